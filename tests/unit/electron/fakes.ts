import { EventEmitter } from 'node:events'
import { vi } from 'vitest'

/** Small stand-ins for Electron's main-process objects, recording what the shell asks of them. */
export function createElectronFake() {
  const appEvents = new EventEmitter()
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>()
  const windows: FakeWindow[] = []
  let headersListener: ((details: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null
  let permissionRequest: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | null = null
  let permissionCheck: (() => boolean) | null = null

  class FakeWebContents extends EventEmitter {
    mainFrame = { url: '', parent: null as unknown }
    sent: unknown[][] = []
    openHandler: ((d: { url: string }) => { action: string }) | null = null
    send(...args: unknown[]) {
      this.sent.push(args)
    }
    setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
      this.openHandler = fn
    }
  }
  class FakeWindow extends EventEmitter {
    options: Record<string, any>
    webContents = new FakeWebContents()
    loaded: { file?: string; url?: string; hash?: string } = {}
    constructor(options: Record<string, any>) {
      super()
      this.options = options
      windows.push(this)
      appEvents.emit('web-contents-created', {}, this.webContents)
    }
    async loadFile(file: string, opts?: { hash?: string }) {
      this.loaded = { file, hash: opts?.hash }
      this.webContents.mainFrame.url = `file://${file}`
    }
    async loadURL(url: string) {
      this.loaded = { url }
      this.webContents.mainFrame.url = url
    }
    isMinimized = vi.fn(() => true)
    restore = vi.fn()
    focus = vi.fn()
    show = vi.fn()
  }

  const app = Object.assign(appEvents, {
    isPackaged: false,
    name: 'Orchard',
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    exit: vi.fn(),
    relaunch: vi.fn(),
    setPath: vi.fn(),
    getVersion: () => '0.1.0',
    whenReady: () => Promise.resolve(),
  })

  const electron = {
    app,
    BrowserWindow: FakeWindow,
    ipcMain: { handle: vi.fn((channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) => handlers.set(channel, fn)) },
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn(), showMessageBox: vi.fn(async () => ({ response: 1 })) },
    shell: { openExternal: vi.fn(), showItemInFolder: vi.fn(), openPath: vi.fn() },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: vi.fn((fn: typeof headersListener) => (headersListener = fn)) },
        setPermissionRequestHandler: vi.fn((fn: typeof permissionRequest) => (permissionRequest = fn)),
        setPermissionCheckHandler: vi.fn((fn: typeof permissionCheck) => (permissionCheck = fn)),
      },
    },
    Menu: { buildFromTemplate: vi.fn((t: unknown) => t), setApplicationMenu: vi.fn() },
  }
  return {
    electron,
    handlers,
    windows,
    headers: () => headersListener,
    permissions: () => ({ request: permissionRequest, check: permissionCheck }),
  }
}
