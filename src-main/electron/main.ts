import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDesktopApp } from './app'

// The studio's files (database, backups, exports) and Chromium's own are the user's alone.
// Windows has no modes: the data folder lives in the user's profile there.
if (process.platform !== 'win32') process.umask(0o077)

// out/main/index.js → the project (or app.asar) root is two folders up.
const mainDir = dirname(fileURLToPath(import.meta.url))
startDesktopApp({ mainDir, appRoot: join(mainDir, '..', '..') })
