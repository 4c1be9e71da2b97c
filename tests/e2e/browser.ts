/** The Chromium the end-to-end tests and the screens script drive: Debian's, unless ORCHARD_CHROMIUM points at another. */
export const CHROMIUM = process.env.ORCHARD_CHROMIUM ?? '/usr/bin/chromium'

/** Headless in a container: no sandbox (root), no GPU, no small /dev/shm, and nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]
