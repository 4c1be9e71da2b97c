import { expect, test } from './fixtures'
import { ConsolePage } from './page-models/console'

/**
 * The brightness (0 black – 255 white) of the first opaque background behind the
 * sidebar. A string, because this file is type-checked for Node, without the DOM.
 */
const BACKGROUND_BRIGHTNESS = `(() => {
  let el = document.querySelector('[data-testid="nav-dashboard"]')
  while (el) {
    const color = getComputedStyle(el).backgroundColor
    const [r, g, b, a = 1] = (color.match(/[\\d.]+/g) || []).map(Number)
    if (color !== 'transparent' && a > 0) return (r + g + b) / 3
    el = el.parentElement
  }
  return 255
})()`
const backgroundBrightness = (shell: ConsolePage) => shell.page.evaluate(BACKGROUND_BRIGHTNESS) as Promise<number>

test('the dark theme darkens the console and is remembered', async ({ page }) => {
  const shell = new ConsolePage(page)
  await shell.setTheme('light')
  expect(await backgroundBrightness(shell)).toBeGreaterThan(180)

  await shell.setTheme('dark')
  await expect.poll(() => backgroundBrightness(shell)).toBeLessThan(80)

  await page.reload()
  await expect(page.getByTestId('theme-switch')).toHaveAttribute('data-theme', 'dark')
  await expect.poll(() => backgroundBrightness(shell)).toBeLessThan(80)
})
