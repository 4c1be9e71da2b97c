import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IPC_CALL, methodNames } from '../../../src-shared/contract'
import { OrchardError } from '../../../src-shared/errors'
import { createElectronFake } from './fakes'

const fake = vi.hoisted(() => ({ current: null as ReturnType<typeof import('./fakes').createElectronFake> | null }))
const coreMock = vi.hoisted(() => ({ createCore: vi.fn(), updater: { setFeedURL: vi.fn(), checkForUpdates: vi.fn(async () => null), on: vi.fn(), quitAndInstall: vi.fn(), autoDownload: false } }))

// Each test builds a fresh fake; the mocked module forwards to whichever is current.
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
vi.mock('electron-updater', () => ({ default: { autoUpdater: coreMock.updater } }))
vi.mock('../../../src-main/core/api', () => ({ createCore: coreMock.createCore }))

let dataDir: string
const appRoot = '/opt/orchard'
const mainDir = '/opt/orchard/out/main'
const entry = 'file:///opt/orchard/out/renderer/index.html'

function fakeCore(overrides: Partial<Record<string, unknown>> = {}) {
  return {
    call: vi.fn(async (name: string) => {
      if (name === 'settings.get') return { language: 'zh-CN', updateFeedUrl: '' }
      if (name === 'customers.create') throw new OrchardError('invalid_phone', '不是有效的电话号码', { field: 'phones.0', value: '123' })
      return { echoed: name }
    }),
    onAny: vi.fn(() => () => undefined),
    maintenance: vi.fn(async () => undefined),
    close: vi.fn(),
    ...overrides,
  }
}

async function start() {
  vi.resetModules()
  const { startDesktopApp } = await import('../../../src-main/electron/app')
  const started = startDesktopApp({ mainDir, appRoot })
  await started?.ready
  return started
}

const trustedEvent = () => {
  const win = fake.current!.windows[0]
  return { senderFrame: win.webContents.mainFrame }
}

beforeEach(() => {
  fake.current = createElectronFake()
  dataDir = mkdtempSync(join(tmpdir(), 'orchard-shell-'))
  process.env.ORCHARD_DATA_DIR = dataDir
  delete process.env.ORCHARD_UPDATE_URL
  coreMock.createCore.mockReset()
  coreMock.createCore.mockImplementation(() => fakeCore())
  Object.values(coreMock.updater).forEach((v) => typeof v === 'function' && 'mockClear' in v && (v as ReturnType<typeof vi.fn>).mockClear())
})
afterEach(() => {
  delete process.env.ORCHARD_DATA_DIR
  rmSync(dataDir, { recursive: true, force: true })
})

describe('the desktop window', () => {
  it('isolates and sandboxes the renderer', async () => {
    await start()
    const prefs = fake.current!.windows[0].options.webPreferences
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false })
    expect(prefs.preload).toBe(join(mainDir, '..', 'preload', 'index.cjs'))
    expect(fake.current!.windows[0].loaded).toEqual({ file: join(mainDir, '..', 'renderer', 'index.html'), hash: '/dashboard' })
  })

  it('sends a strict Content-Security-Policy with every response', async () => {
    await start()
    let headers: Record<string, string[]> = {}
    fake.current!.headers()!({ responseHeaders: {} }, (r) => (headers = (r as { responseHeaders: Record<string, string[]> }).responseHeaders))
    const csp = headers['Content-Security-Policy'][0]
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-eval')
  })

  it('denies navigation away from the console, new windows, webviews and permissions', async () => {
    await start()
    const wc = fake.current!.windows[0].webContents
    const away = { preventDefault: vi.fn() }
    wc.emit('will-navigate', away, 'https://evil.example/')
    expect(away.preventDefault).toHaveBeenCalled()
    const inside = { preventDefault: vi.fn() }
    wc.emit('will-navigate', inside, `${entry}#/customers`)
    expect(inside.preventDefault).not.toHaveBeenCalled()
    const webview = { preventDefault: vi.fn() }
    wc.emit('will-attach-webview', webview)
    expect(webview.preventDefault).toHaveBeenCalled()

    expect(wc.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
    expect(fake.current!.electron.shell.openExternal).not.toHaveBeenCalled()
    expect(wc.openHandler!({ url: 'http://github.com/' })).toEqual({ action: 'deny' })
    expect(fake.current!.electron.shell.openExternal).not.toHaveBeenCalled()
    expect(wc.openHandler!({ url: 'https://github.com/orchard' })).toEqual({ action: 'deny' })
    expect(fake.current!.electron.shell.openExternal).toHaveBeenCalledWith('https://github.com/orchard')

    const { request, check } = fake.current!.permissions()
    const answer = vi.fn()
    request!({}, 'media', answer)
    expect(answer).toHaveBeenCalledWith(false)
    expect(check!()).toBe(false)
  })
})

describe('the clock', () => {
  it('is the computer’s: ORCHARD_NOW (for the CLI, browser mode and tests) never moves a workstation’s day', async () => {
    process.env.ORCHARD_NOW = '2031-03-01T00:30:00+08:00'
    try {
      await start()
    } finally {
      delete process.env.ORCHARD_NOW
    }
    const options = coreMock.createCore.mock.calls[0][0] as { clock: { now(): Date } }
    expect(Math.abs(options.clock.now().getTime() - Date.now())).toBeLessThan(60_000)
  })
})

describe('IPC', () => {
  it('answers the console with Result envelopes that keep error codes and details', async () => {
    await start()
    const handler = fake.current!.handlers.get(IPC_CALL)!
    expect(await handler(trustedEvent(), 'customers.list', {})).toEqual({ ok: true, value: { echoed: 'customers.list' } })
    expect(await handler(trustedEvent(), 'customers.create', { name: 'x' })).toEqual({
      ok: false,
      error: { code: 'invalid_phone', message: '不是有效的电话号码', details: { field: 'phones.0', value: '123' } },
    })
  })

  it('refuses calls from any other frame or page', async () => {
    await start()
    const handler = fake.current!.handlers.get(IPC_CALL)!
    const core = coreMock.createCore.mock.results[0].value
    core.call.mockClear()
    expect(await handler({ senderFrame: { url: entry, parent: null } }, 'customers.list', {})).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } })
    const win = fake.current!.windows[0]
    win.webContents.mainFrame.url = 'https://evil.example/'
    expect(await handler(trustedEvent(), 'customers.list', {})).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } })
    expect(core.call).not.toHaveBeenCalled()
  })
})

describe('single instance', () => {
  it('quits when another Orchard holds the lock', async () => {
    fake.current!.electron.app.requestSingleInstanceLock.mockReturnValue(false)
    expect(await start()).toBeNull()
    expect(fake.current!.electron.app.quit).toHaveBeenCalled()
    expect(coreMock.createCore).not.toHaveBeenCalled()
  })

  it('brings the window back when a second one is started', async () => {
    await start()
    fake.current!.electron.app.emit('second-instance')
    const win = fake.current!.windows[0]
    expect(win.restore).toHaveBeenCalled()
    expect(win.focus).toHaveBeenCalled()
  })
})

describe('updates', () => {
  it('never checks in a development build', async () => {
    process.env.ORCHARD_UPDATE_URL = 'https://updates.example/orchard'
    await start()
    expect(coreMock.updater.setFeedURL).not.toHaveBeenCalled()
  })

  it('uses the configured generic feed when packaged, and nothing without one', async () => {
    fake.current!.electron.app.isPackaged = true
    await start()
    expect(coreMock.updater.setFeedURL).not.toHaveBeenCalled()
    fake.current = createElectronFake()
    fake.current.electron.app.isPackaged = true
    process.env.ORCHARD_UPDATE_URL = 'https://updates.example/orchard'
    await start()
    expect(coreMock.updater.setFeedURL).toHaveBeenCalledWith({ provider: 'generic', url: 'https://updates.example/orchard' })
    expect(coreMock.updater.checkForUpdates).toHaveBeenCalled()
  })
})

describe('recovery', () => {
  it('opens the recovery screen when the database cannot be opened, and keeps the broken file aside', async () => {
    coreMock.createCore.mockImplementation(() => {
      throw new OrchardError('db_newer', '这个数据库由更新版本的果园创建', { schemaVersion: 9 })
    })
    writeFileSync(join(dataDir, 'orchard.db'), 'newer data')
    await start()
    const win = fake.current!.windows[0]
    expect(win.loaded.hash).toBe('/recovery')
    const startupError = fake.current!.handlers.get('orchard:host:startup-error')!
    expect(await startupError(trustedEvent())).toMatchObject({ code: 'db_newer', dataDir })
    const call = fake.current!.handlers.get(IPC_CALL)!
    expect(await call(trustedEvent(), 'customers.list', {})).toMatchObject({ ok: false, error: { code: 'core_unavailable' } })

    await fake.current!.handlers.get('orchard:host:recover')!(trustedEvent(), null)
    expect(existsSync(join(dataDir, 'orchard.db'))).toBe(false)
    const kept = (await import('node:fs')).readdirSync(dataDir).find((f) => f.startsWith('orchard.db.broken-'))
    expect(kept && readFileSync(join(dataDir, kept), 'utf8')).toBe('newer data')
    expect(fake.current!.electron.app.relaunch).toHaveBeenCalled()
  })
})

describe('menu', () => {
  it('sends console commands such as import to the window', async () => {
    await start()
    const template = fake.current!.electron.Menu.buildFromTemplate.mock.calls[0][0] as { label: string; submenu: { label?: string; click?: () => void }[] }[]
    const file = template.find((m) => m.label === '文件')!
    file.submenu.find((i) => i.label === '导入…')!.click!()
    expect(fake.current!.windows[0].webContents.sent).toContainEqual(['orchard:menu', 'import'])
  })
})

describe('preload bridge', () => {
  it('exposes exactly the contract’s methods, generated, and nothing of Electron', async () => {
    const exposed: Record<string, any> = {}
    const invoke = vi.fn(async () => ({ ok: true, value: 1 }))
    vi.doMock('electron', () => ({
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: { invoke, on: vi.fn(), removeListener: vi.fn() },
    }))
    vi.resetModules()
    await import('../../../src-preload/index')
    vi.doUnmock('electron')
    const names = Object.entries(exposed.orchard)
      .filter(([k]) => !k.startsWith('$'))
      .flatMap(([service, methods]) => Object.keys(methods as object).map((m) => `${service}.${m}`))
    expect(names.sort()).toEqual([...methodNames].sort())
    await exposed.orchard.customers.list({ limit: 5 })
    expect(invoke).toHaveBeenCalledWith(IPC_CALL, 'customers.list', { limit: 5 })
    expect(Object.keys(exposed).sort()).toEqual(['orchard', 'orchardHost'])
    expect(exposed.orchardHost.kind).toBe('electron')
  })
})
