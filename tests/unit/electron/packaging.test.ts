import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildCsp, isAllowedExternalUrl } from '../../../src-main/electron/security'
import { electronNativeBinding } from '../../../src-main/electron/native'

const root = join(import.meta.dirname, '..', '..', '..')

describe('packaging', () => {
  it('builds an NSIS installer, a dmg and an AppImage with native modules rebuilt for Electron', () => {
    const yml = readFileSync(join(root, 'electron-builder.yml'), 'utf8')
    expect(yml).toMatch(/win:\s*\n\s*target: nsis/)
    expect(yml).toMatch(/mac:\s*\n\s*target: dmg/)
    expect(yml).toMatch(/linux:\s*\n\s*target: AppImage/)
    expect(yml).toMatch(/npmRebuild: true/)
    expect(yml).toMatch(/provider: generic/)
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(pkg.scripts.dist).toContain('install-app-deps')
  })

  it('prepares better-sqlite3 for Electron in a cache, never in node_modules', async () => {
    const prepare = await import('../../../scripts/prepare-electron.mjs')
    const paths = prepare.nativeCachePaths('40.1.0', '/p')
    expect(paths.binding).toBe(join('/p', '.cache', 'electron-native', '40.1.0', 'better_sqlite3.node'))
    expect(paths.buildSrc.startsWith(join('/p', '.cache'))).toBe(true)
    // The installed tools run under this Node, straight from node_modules.
    const commands = prepare.buildCommands('40.1.0', root, 'x64')
    expect(commands.map((c) => c.label)).toEqual(['prebuild-install', 'node-gyp'])
    expect(commands[0].cmd).toBe(process.execPath)
    expect(commands[0].args[0]).toBe(join(root, 'node_modules', 'prebuild-install', 'bin.js'))
    expect(commands[0].args.slice(1)).toEqual(['--runtime', 'electron', '--target', '40.1.0', '--arch', 'x64'])
    expect(commands[1].args[0]).toBe(join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
    expect(commands[1].args.slice(1)).toEqual(
      expect.arrayContaining(['rebuild', '--release', '--runtime=electron', '--target=40.1.0', '--dist-url=https://electronjs.org/headers']),
    )
    // Without the tools installed, npx fetches them.
    const fallback = prepare.buildCommands('40.1.0', '/nonexistent', 'arm64')
    expect(fallback[0]).toMatchObject({ cmd: 'npx', args: ['--yes', 'prebuild-install', '--runtime', 'electron', '--target', '40.1.0', '--arch', 'arm64'] })
    expect(fallback[1].args.slice(0, 3)).toEqual(['--yes', 'node-gyp', 'rebuild'])
    expect(electronNativeBinding('/nonexistent', false, '40.1.0')).toBeUndefined()
    expect(electronNativeBinding(root, true, '40.1.0')).toBeUndefined()
  })
})

describe('prepare-electron safety', () => {
  it('refuses to build in a folder that leads back out of the cache (a linked package)', async () => {
    const { mkdtempSync, mkdirSync, rmSync, symlinkSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const prepare = await import('../../../scripts/prepare-electron.mjs')
    const project = mkdtempSync(join(tmpdir(), 'orchard-prepare-'))
    try {
      const paths = prepare.nativeCachePaths('40.1.0', project)
      const elsewhere = join(project, 'node_modules', 'better-sqlite3')
      mkdirSync(elsewhere, { recursive: true })
      mkdirSync(paths.dir, { recursive: true })
      symlinkSync(elsewhere, paths.buildSrc, 'dir')
      expect(() => prepare.assertInsideCache(paths)).toThrow(/not inside/)
      rmSync(paths.buildSrc)
      mkdirSync(paths.buildSrc)
      expect(() => prepare.assertInsideCache(paths)).not.toThrow()
    } finally {
      rmSync(project, { recursive: true, force: true })
    }
  })
})

describe('security rules', () => {
  it('opens only allow-listed https links', () => {
    expect(isAllowedExternalUrl('https://github.com/x')).toBe(true)
    expect(isAllowedExternalUrl('http://github.com/x')).toBe(false)
    expect(isAllowedExternalUrl('https://github.com.evil.example/')).toBe(false)
    expect(isAllowedExternalUrl('https://user:pw@github.com/')).toBe(false)
    expect(isAllowedExternalUrl('javascript:alert(1)')).toBe(false)
  })
  it('lets the dev server connect only in development', () => {
    expect(buildCsp()).toContain("connect-src 'self';")
    expect(buildCsp('http://localhost:5173')).toContain('ws://localhost:5173')
  })
})
