import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDesktopApp } from './app'

// out/main/index.js → the project (or app.asar) root is two folders up.
const mainDir = dirname(fileURLToPath(import.meta.url))
startDesktopApp({ mainDir, appRoot: join(mainDir, '..', '..') })
