import { defineConfig } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS } from './tests/e2e/browser'

/**
 * End-to-end tests of the console in headless Chromium through the browser mode.
 * Each test opens its own studio in a fresh data folder (tests/e2e/fixtures.ts).
 */
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '*.spec.ts',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 2,
  retries: 0,
  reporter: 'list',
  use: {
    headless: true,
    locale: 'zh-CN',
    // Not the studio's zone (Beijing): the console must show the studio's days whatever the computer's zone.
    timezoneId: 'America/Los_Angeles',
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    acceptDownloads: true,
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
  },
})
