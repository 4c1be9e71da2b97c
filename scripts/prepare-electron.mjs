#!/usr/bin/env node
// Before `npm start` / `npm run dev`: make sure Electron itself is installed and that
// better-sqlite3 exists built for Electron's ABI in .cache/ — node_modules keeps the
// Node build, so `npm test` and the CLI keep working side by side. The desktop shell
// loads the cached build through better-sqlite3's `nativeBinding` option.
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export function electronVersion(projectRoot = root) {
  return JSON.parse(readFileSync(join(projectRoot, 'node_modules', 'electron', 'package.json'), 'utf8')).version
}

/** Where the Electron build lives (the shell reads `binding`) and the scratch copy it is built in. */
export function nativeCachePaths(version, projectRoot = root) {
  const dir = join(projectRoot, '.cache', 'electron-native', version)
  return { dir, binding: join(dir, 'better_sqlite3.node'), buildSrc: join(dir, 'build-src') }
}

/** The JavaScript entry of a package's command in node_modules, or null when it is not installed. */
export function localBin(pkg, projectRoot = root) {
  const dir = join(projectRoot, 'node_modules', pkg)
  try {
    const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    const entry = typeof bin === 'string' ? bin : bin?.[pkg]
    return entry && existsSync(join(dir, entry)) ? join(dir, entry) : null
  } catch {
    return null
  }
}

/**
 * The ways to get an Electron build, fastest first: a published prebuilt, then a local
 * compile against Electron's headers. The installed tools run directly under this Node
 * (no shell, so paths with spaces are safe); npx is only the fallback when one is missing.
 */
export function buildCommands(version, projectRoot = root, arch = process.arch) {
  const run = (pkg, args) => {
    const bin = localBin(pkg, projectRoot)
    return bin ? { label: pkg, cmd: process.execPath, args: [bin, ...args] } : { label: pkg, cmd: 'npx', args: ['--yes', pkg, ...args] }
  }
  return [
    run('prebuild-install', ['--runtime', 'electron', '--target', version, '--arch', arch]),
    run('node-gyp', ['rebuild', '--release', '--runtime=electron', `--target=${version}`, `--arch=${arch}`, '--dist-url=https://electronjs.org/headers']),
  ]
}

const say = (line) => console.log(`[prepare-electron] ${line}`)

function ensureElectronBinary(projectRoot) {
  const electronDir = join(projectRoot, 'node_modules', 'electron')
  if (!existsSync(join(electronDir, 'package.json'))) throw new Error('node_modules/electron 不存在，请先运行 npm install / electron is not installed: run npm install first')
  if (existsSync(join(electronDir, 'path.txt')) && existsSync(join(electronDir, 'dist'))) return
  say('正在下载 Electron / downloading Electron (the install skipped it)…')
  // install.js exits at once while ELECTRON_SKIP_BINARY_DOWNLOAD is set: clear it for this run.
  const env = { ...process.env }
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD
  execFileSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit', env, cwd: electronDir })
  if (!existsSync(join(electronDir, 'path.txt'))) throw new Error('Electron 下载失败 / the Electron download did not complete')
}

/** The build folder must be a real folder under .cache, never a way back into node_modules. */
export function assertInsideCache(paths) {
  const real = realpathSync(paths.buildSrc)
  const rel = relative(realpathSync(paths.dir), real)
  if (lstatSync(paths.buildSrc).isSymbolicLink() || rel === '' || rel.startsWith('..') || rel.startsWith(sep)) {
    throw new Error(`构建目录不在缓存中 / the build folder ${real} is not inside ${paths.dir}; refusing to build there`)
  }
}

function ensureNativeBinding(projectRoot) {
  const version = electronVersion(projectRoot)
  const paths = nativeCachePaths(version, projectRoot)
  if (existsSync(paths.binding)) {
    say(`better-sqlite3 for Electron ${version} is ready`)
    return paths.binding
  }
  say(`为 Electron ${version} 构建 better-sqlite3 / building better-sqlite3 for Electron ${version}…`)
  const source = join(projectRoot, 'node_modules', 'better-sqlite3')
  rmSync(paths.buildSrc, { recursive: true, force: true })
  mkdirSync(paths.dir, { recursive: true })
  // A real copy without build/: node_modules/better-sqlite3 (Node's build, used by npm test)
  // is never touched. Package managers that link packages (pnpm, workspaces) make it a
  // symlink; copied as a link, node-gyp's clean would wipe the Node build through it.
  const realSource = realpathSync(source)
  cpSync(realSource, paths.buildSrc, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = relative(realSource, src)
      return rel !== 'build' && !rel.startsWith(`build${sep}`)
    },
  })
  assertInsideCache(paths)
  const failures = []
  for (const { label, cmd, args } of buildCommands(version, projectRoot)) {
    say(`trying ${label}…`)
    try {
      execFileSync(cmd, args, { cwd: paths.buildSrc, stdio: 'inherit', shell: cmd === 'npx' && process.platform === 'win32' })
      const built = join(paths.buildSrc, 'build', 'Release', 'better_sqlite3.node')
      if (!existsSync(built)) {
        failures.push(`${label}: finished without producing better_sqlite3.node`)
        continue
      }
      // Copy then rename: an interrupted copy must never look like a finished build next time.
      const partial = `${paths.binding}.partial`
      copyFileSync(built, partial)
      renameSync(partial, paths.binding)
      rmSync(paths.buildSrc, { recursive: true, force: true })
      say(`built with ${label}: ${relative(projectRoot, paths.binding)}`)
      return paths.binding
    } catch (err) {
      failures.push(`${label}: ${err.message}`)
    }
  }
  throw new Error(
    `无法为 Electron 构建 better-sqlite3 / could not build better-sqlite3 for Electron ${version}:\n  ${failures.join('\n  ')}\n` +
      '  A local compile needs Python 3 and a C++ toolchain (build-essential, Xcode command line tools, or Visual Studio Build Tools).',
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    ensureElectronBinary(root)
    ensureNativeBinding(root)
  } catch (err) {
    console.error(`[prepare-electron] ${err.message}`)
    process.exit(1)
  }
}
