#!/usr/bin/env node
// Packages the desktop app, then puts back the Node build of better-sqlite3 that
// `npm test` and the CLI use (install-app-deps rebuilt it for Electron), and exits
// with electron-builder's own status so a failed package is never reported as done.
import { spawnSync } from 'node:child_process'

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
// The generic update feed is optional: without one, packages are built without publishing.
const env = { ...process.env, ORCHARD_UPDATE_URL: process.env.ORCHARD_UPDATE_URL || 'https://updates.invalid/orchard' }
const built = spawnSync(npx, ['electron-builder', '--config', 'electron-builder.yml', '--publish', 'never'], { stdio: 'inherit', env })
const restored = spawnSync(npm, ['rebuild', 'better-sqlite3'], { stdio: 'inherit' })
if (restored.status !== 0) console.error('better-sqlite3 could not be rebuilt for Node; run `npm rebuild better-sqlite3`.')
process.exit(built.status ?? 1)
