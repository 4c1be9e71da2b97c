import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IPC_CALL } from '../../../src-shared/contract'
import {
  buildCsp,
  isAllowedExternalUrl,
  isAppUrl,
  isPermissionGranted,
  isTrustedSender,
  secureWebContents,
  withCsp,
} from '../../../src-main/electron/security'
import { createElectronFake } from './fakes'

const fake = vi.hoisted(() => ({ current: null as ReturnType<typeof import('./fakes').createElectronFake> | null }))
const mocks = vi.hoisted(() => ({
  createCore: vi.fn(),
  listBackups: vi.fn(),
  restoreBackupFile: vi.fn(),
}))

const ELECTRON_EXPORTS = ['app', 'BrowserWindow', 'ipcMain', 'dialog', 'shell', 'session', 'Menu']
vi.mock('electron', () =>
  Object.fromEntries(
    ELECTRON_EXPORTS.map((key) => [
      key,
      new Proxy(function () {} as unknown as object, {
        get: (_t, prop) => Reflect.get((fake.current!.electron as Record<string, object>)[key], prop),
        set: (_t, prop, value) => Reflect.set((fake.current!.electron as Record<string, object>)[key], prop, value),
        construct: (_t, args) => Reflect.construct((fake.current!.electron as unknown as Record<string, new (...a: unknown[]) => object>)[key], args),
      }),
    ]),
  ),
)
vi.mock('electron-updater', () => ({ default: { autoUpdater: { setFeedURL: vi.fn(), checkForUpdates: vi.fn(async () => null), on: vi.fn() } } }))
vi.mock('../../../src-main/core/api', () => ({ createCore: mocks.createCore }))
vi.mock('../../../src-main/core/backups/backups', () => ({ listBackups: mocks.listBackups, restoreBackupFile: mocks.restoreBackupFile }))

const ENTRY = pathToFileURL('/opt/orchard/out/renderer/index.html').href
const DEV = 'http://localhost:5173'

describe('the app page', () => {
  it('is exactly the built index.html under file://, with any route', () => {
    expect(isAppUrl(`${ENTRY}#/customers`, ENTRY)).toBe(true)
    expect(isAppUrl(pathToFileURL('/opt/orchard/out/renderer/other.html').href, ENTRY)).toBe(false)
    expect(isAppUrl('file:///home/user/Downloads/invoice.html', ENTRY)).toBe(false)
    expect(isAppUrl('https://evil.example/index.html', ENTRY)).toBe(false)
    expect(isAppUrl('not a url', ENTRY)).toBe(false)
  })

  it('is the dev server origin while developing, and nothing else then', () => {
    expect(isAppUrl(`${DEV}/#/orders`, ENTRY, DEV)).toBe(true)
    expect(isAppUrl('http://localhost:5174/', ENTRY, DEV)).toBe(false)
    expect(isAppUrl(ENTRY, ENTRY, DEV)).toBe(false)
  })
})

describe('trusted IPC senders', () => {
  const main = { url: `${ENTRY}#/dashboard`, parent: null, processId: 4, routingId: 1 }
  it('accepts only the main window’s top frame on the app page', () => {
    expect(isTrustedSender(main, main, ENTRY)).toBe(true)
    // Another object for the same frame (Electron may hand out a fresh wrapper).
    expect(isTrustedSender({ ...main }, main, ENTRY)).toBe(true)
  })
  it('refuses subframes, other windows, missing frames and foreign pages', () => {
    expect(isTrustedSender({ ...main, parent: main as never }, main, ENTRY)).toBe(false)
    expect(isTrustedSender({ ...main, routingId: 2 }, main, ENTRY)).toBe(false)
    expect(isTrustedSender(null, main, ENTRY)).toBe(false)
    expect(isTrustedSender(main, null, ENTRY)).toBe(false)
    const away = { ...main, url: 'https://evil.example/' }
    expect(isTrustedSender(away, away, ENTRY)).toBe(false)
  })
})

describe('content security policy', () => {
  it('locks every kind of resource to the app and forbids plugins, base and forms', () => {
    const csp = buildCsp()
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ]) {
      expect(csp.split('; ')).toContain(directive)
    }
    expect(csp).not.toMatch(/unsafe-eval|localhost/)
  })

  it('lets only the dev server connect while developing', () => {
    expect(buildCsp(DEV)).toContain(`connect-src 'self' ${DEV} ws://localhost:5173`)
  })

  it('replaces whatever policy a server sent, whatever the header’s case', () => {
    const headers = withCsp({ 'content-security-policy': ["default-src *"], 'Content-Security-Policy-Report-Only': ['x'], 'Content-Type': ['text/html'] }, buildCsp())
    expect(Object.keys(headers).sort()).toEqual(['Content-Security-Policy', 'Content-Type'])
    expect(headers['Content-Security-Policy']).toEqual([buildCsp()])
  })
})

describe('outside links and permissions', () => {
  it('opens only https links to allow-listed hosts', () => {
    expect(isAllowedExternalUrl('https://work.weixin.qq.com/help')).toBe(true)
    expect(isAllowedExternalUrl('https://WORK.weixin.qq.com/help')).toBe(true)
    expect(isAllowedExternalUrl('http://work.weixin.qq.com/help')).toBe(false)
    expect(isAllowedExternalUrl('https://weixin.qq.com.evil.example/')).toBe(false)
    expect(isAllowedExternalUrl('file:///etc/passwd')).toBe(false)
    expect(isAllowedExternalUrl('https://evil.example/', ['work.weixin.qq.com'])).toBe(false)
  })

  it('grants nothing but plain-text clipboard writes, and only to the app’s own top frame', () => {
    expect(isPermissionGranted('clipboard-sanitized-write', ENTRY, true, ENTRY)).toBe(true)
    expect(isPermissionGranted('clipboard-sanitized-write', ENTRY, false, ENTRY)).toBe(false)
    expect(isPermissionGranted('clipboard-sanitized-write', 'https://evil.example/', true, ENTRY)).toBe(false)
    for (const permission of ['clipboard-read', 'media', 'geolocation', 'notifications', 'openExternal', 'fileSystem']) {
      expect(isPermissionGranted(permission, ENTRY, true, ENTRY)).toBe(false)
    }
  })

  it('stops frame navigations and redirects away from the app, and survives a failing openExternal', async () => {
    const { EventEmitter } = await import('node:events')
    const contents = Object.assign(new EventEmitter(), { openHandler: null as null | ((d: { url: string }) => unknown) })
    const log = vi.fn()
    secureWebContents(
      Object.assign(contents, { setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => (contents.openHandler = fn) }) as never,
      { appEntry: ENTRY, csp: buildCsp(), openExternal: () => Promise.reject(new Error('no browser')), log },
    )
    const frame = { url: 'https://evil.example/', preventDefault: vi.fn() }
    contents.emit('will-frame-navigate', frame)
    expect(frame.preventDefault).toHaveBeenCalled()
    const redirect = { preventDefault: vi.fn() }
    contents.emit('will-redirect', redirect, 'https://evil.example/')
    expect(redirect.preventDefault).toHaveBeenCalled()
    const own = { url: `${ENTRY}#/import`, preventDefault: vi.fn() }
    contents.emit('will-frame-navigate', own)
    expect(own.preventDefault).not.toHaveBeenCalled()
    expect(contents.openHandler!({ url: 'https://work.weixin.qq.com/' })).toEqual({ action: 'deny' })
    await new Promise((r) => setTimeout(r, 0))
    expect(log).toHaveBeenCalledWith(expect.stringContaining('no browser'))
  })
})

describe('host capabilities', () => {
  let dataDir: string
  const mainDir = '/opt/orchard/out/main'
  const core = () => ({
    call: vi.fn(async () => ({ language: 'zh-CN', updateFeedUrl: '' })),
    onAny: vi.fn(() => () => undefined),
    maintenance: vi.fn(async () => undefined),
    close: vi.fn(),
  })

  async function start() {
    vi.resetModules()
    const { startDesktopApp } = await import('../../../src-main/electron/app')
    const started = startDesktopApp({ mainDir, appRoot: '/opt/orchard' })
    await started?.ready
    const win = fake.current!.windows[0]
    const trusted = { senderFrame: win.webContents.mainFrame }
    const handler = (channel: string) => (...args: unknown[]) => fake.current!.handlers.get(channel)!(trusted, ...args)
    return { win, handler }
  }

  beforeEach(() => {
    fake.current = createElectronFake()
    dataDir = mkdtempSync(join(tmpdir(), 'orchard-hardening-'))
    process.env.ORCHARD_DATA_DIR = dataDir
    mocks.createCore.mockReset().mockImplementation(core)
    mocks.listBackups.mockReset().mockReturnValue([
      { fileName: 'orchard-auto-20260101-020000.db', path: join(dataDir, 'backups', 'orchard-auto-20260101-020000.db'), kind: 'auto', createdAt: '2026-01-01T02:00:00.000Z', sizeBytes: 2048 },
      { fileName: 'orchard-manual-20260301-090000.db', path: join(dataDir, 'backups', 'orchard-manual-20260301-090000.db'), kind: 'manual', createdAt: '2026-03-01T09:00:00.000Z', sizeBytes: 4096 },
    ])
    mocks.restoreBackupFile.mockReset().mockResolvedValue({ restored: 'x', safetyBackup: 'y' })
  })
  afterEach(() => {
    delete process.env.ORCHARD_DATA_DIR
    delete (process.versions as Record<string, string | undefined>).electron
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('reveals files in the data folder or ones the user picked, nothing else', async () => {
    const { handler } = await start()
    const show = handler('orchard:host:show-item-in-folder')
    const shell = fake.current!.electron.shell
    const inData = join(dataDir, 'exports', 'customers.csv')
    await show(inData)
    await expect(show('/etc/passwd')).rejects.toThrow(/only files in the data folder/)
    await expect(show(join(dataDir, '..', 'elsewhere.csv'))).rejects.toThrow()
    await expect(show('relative/path.csv')).rejects.toThrow()
    expect(shell.showItemInFolder).not.toHaveBeenCalled() // inData does not exist yet: nothing to show

    const picked = join(tmpdir(), `orchard-picked-${process.pid}.csv`)
    writeFileSync(picked, 'a,b\n')
    fake.current!.electron.dialog.showSaveDialog.mockResolvedValue({ canceled: false, filePath: picked })
    expect(await handler('orchard:host:pick-save-path')({ defaultName: 'x.csv', filters: [] })).toBe(picked)
    await show(picked)
    expect(shell.showItemInFolder).toHaveBeenCalledWith(picked)
    rmSync(picked, { force: true })
  })

  it('lists recovery backups newest first with their kind', async () => {
    const { handler } = await start()
    expect(await handler('orchard:host:recovery-backups')()).toEqual([
      { fileName: 'orchard-manual-20260301-090000.db', kind: 'manual', createdAt: '2026-03-01T09:00:00.000Z', sizeBytes: 4096 },
      { fileName: 'orchard-auto-20260101-020000.db', kind: 'auto', createdAt: '2026-01-01T02:00:00.000Z', sizeBytes: 2048 },
    ])
  })

  it('restores only a listed backup, from its own path, then relaunches', async () => {
    const { handler } = await start()
    const recover = handler('orchard:host:recover')
    await expect(recover('/etc/passwd')).rejects.toThrow(/no such backup/)
    await expect(recover('../orchard.db')).rejects.toThrow(/no such backup/)
    expect(mocks.restoreBackupFile).not.toHaveBeenCalled()
    expect(mocks.createCore.mock.results[0].value.close).not.toHaveBeenCalled()
    expect(fake.current!.electron.app.relaunch).not.toHaveBeenCalled()

    await recover('orchard-auto-20260101-020000.db')
    expect(mocks.restoreBackupFile).toHaveBeenCalledWith(expect.objectContaining({ dataDir }), join(dataDir, 'backups', 'orchard-auto-20260101-020000.db'), expect.objectContaining({
      nativeBinding: undefined,
    }))
    expect(fake.current!.electron.app.relaunch).toHaveBeenCalled()
    expect(fake.current!.electron.app.exit).toHaveBeenCalledWith(0)
  })

  it('explains a missing Electron build of better-sqlite3 on the recovery screen instead of an ABI error', async () => {
    Object.defineProperty(process.versions, 'electron', { value: '40.1.0', configurable: true })
    const { win, handler } = await start()
    expect(mocks.createCore).not.toHaveBeenCalled()
    expect(win.loaded.hash).toBe('/recovery')
    expect(await handler('orchard:host:startup-error')()).toMatchObject({ code: 'native_binding_missing', dataDir })
    expect(await fake.current!.handlers.get(IPC_CALL)!({ senderFrame: win.webContents.mainFrame }, 'customers.list', {})).toMatchObject({ ok: false })
  })
})
