import { test as base, expect } from '@playwright/test'
import { openStudio, type Studio } from './studio'

export type { Studio }

interface StudioFixtures {
  /** What the studio starts with: the generated demo studio (default) or nothing — `test.use({ firstStart: 'empty' })`. */
  firstStart: 'demo' | 'empty'
  /** A fresh data folder, core and browser host for this test, with the console open on it. */
  studio: Studio
}

/**
 * The studio runs inside the test worker rather than as a separate `orchard web`,
 * so a test can also look into the core (did the import write nothing?).
 */
export const test = base.extend<StudioFixtures>({
  firstStart: ['demo', { option: true }],
  studio: [
    async ({ page, firstStart }, use) => {
      const studio = await openStudio(firstStart)
      // An exception the console did not handle is a bug even when the screen looks right.
      const uncaught: string[] = []
      page.on('pageerror', (err) => uncaught.push(err.stack ?? err.message))
      try {
        await page.goto(studio.url)
        await expect(page.getByTestId('nav-dashboard')).toBeVisible()
        await use(studio)
        expect(uncaught, 'uncaught errors in the console').toEqual([])
      } finally {
        await studio.close()
      }
    },
    // Every test gets its studio and an open console, whether it names the fixture or not.
    { auto: true },
  ],
})
export { expect }
