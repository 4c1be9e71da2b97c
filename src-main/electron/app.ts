import { existsSync, renameSync } from 'node:fs'
import { join, relative, resolve, isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, session, shell, type IpcMainInvokeEvent } from 'electron'
import { IPC_CALL, IPC_EVENT } from '../../src-shared/contract'
import { OrchardError, type Result } from '../../src-shared/errors'
import { createCore, type OrchardCore } from '../core/api'
import { systemClock } from '../core/clock'
import { listBackups, restoreBackupFile } from '../core/backups/backups'
import { dataPaths, defaultDataDir } from '../core/paths'
import { readPreferences } from '../core/preferences'
import { HOST_CHANNELS, MENU_CHANNEL } from './channels'
import { keychainKeyStore } from './keystore'
import { installMenu } from './menu'
import { electronNativeBinding } from './native'
import { buildCsp, isTrustedSender, secureSession, secureWebContents, type SecurityOptions } from './security'
import { setupUpdater, type Updater } from './updater'

export interface DesktopPaths {
  /** out/main: where this bundle runs from. */
  mainDir: string
  /** The project (or app.asar) root. */
  appRoot: string
}

export const WINDOW_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  webviewTag: false,
  allowRunningInsecureContent: false,
  spellcheck: false,
} as const

/**
 * The desktop shell: one window on the console, the contract over IPC, and the
 * native pieces (dialogs, menu, updater). Returns null when another instance owns
 * the lock (this one quits).
 */
export function startDesktopApp(paths: DesktopPaths): { ready: Promise<void> } | null {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return null
  }
  const dataDir = defaultDataDir()
  app.setPath('userData', dataDir)
  const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
  const entryFile = join(paths.mainDir, '..', 'renderer', 'index.html')
  const appEntry = pathToFileURL(entryFile).href
  const nativeBinding = electronNativeBinding(paths.appRoot, app.isPackaged)
  const dataFolder = dataPaths(dataDir)

  let core: OrchardCore | null = null
  let startupError: { code: string; message: string; dataDir: string } | null = null
  let mainWindow: BrowserWindow | null = null
  let updater: Updater | null = null

  try {
    // Without the Electron build of better-sqlite3 the Node build would fail to load with
    // an ABI message nobody can act on; say what to run instead.
    if (!app.isPackaged && process.versions.electron && !nativeBinding) {
      throw new OrchardError(
        'native_binding_missing',
        `缺少为 Electron 构建的 better-sqlite3，请用 npm start 启动（它会先准备好）/ better-sqlite3 built for Electron is missing: start with npm start, which prepares it`,
        { expected: join(paths.appRoot, '.cache', 'electron-native', process.versions.electron, 'better_sqlite3.node') },
      )
    }
    core = createCore({
      dataDir,
      host: 'electron',
      version: app.getVersion(),
      nativeBinding,
      firstStart: readPreferences(dataFolder).firstStart,
      keyStore: keychainKeyStore(dataDir),
      // The desktop app always runs on the computer's clock: ORCHARD_NOW is for the CLI,
      // browser mode and tests, never for a studio's real workstation.
      clock: systemClock,
    })
  } catch (err) {
    const e = OrchardError.from(err)
    startupError = { code: e.code, message: e.message, dataDir }
  }

  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })

  const security: SecurityOptions = {
    appEntry,
    devServerUrl,
    csp: buildCsp(devServerUrl),
    openExternal: (url) => shell.openExternal(url),
    log: (message) => console.warn(`[orchard] ${message}`),
  }
  // Every web contents the app ever creates gets the same rules, not only the main window's.
  app.on('web-contents-created', (_event, contents) => secureWebContents(contents, security))

  /** Files the user picked in a native dialog this session: the only ones outside the data folder we reveal. */
  const chosenPaths = new Set<string>()
  const mayReveal = (path: unknown): path is string => {
    if (typeof path !== 'string' || !isAbsolute(path)) return false
    const target = resolve(path)
    const inData = relative(dataDir, target)
    return chosenPaths.has(target) || (inData !== '' && !inData.startsWith('..') && !isAbsolute(inData)) || target === resolve(dataDir)
  }

  const trusted = (event: IpcMainInvokeEvent) => isTrustedSender(event.senderFrame, mainWindow?.webContents.mainFrame, appEntry, devServerUrl)
  const forbidden: Result<never> = { ok: false, error: { code: 'forbidden_sender', message: '拒绝来自未知页面的调用 / call from an unknown page refused' } }

  ipcMain.handle(IPC_CALL, async (event, name: unknown, input: unknown): Promise<Result<unknown>> => {
    if (!trusted(event)) return forbidden
    if (!core) return { ok: false, error: { code: 'core_unavailable', message: startupError?.message ?? '数据库未打开 / the database is not open' } }
    try {
      return { ok: true, value: await core.call(String(name), input) }
    } catch (err) {
      return { ok: false, error: OrchardError.from(err).toJSON() }
    }
  })

  const guarded =
    <A extends unknown[], R>(fn: (...args: A) => R | Promise<R>) =>
    async (event: IpcMainInvokeEvent, ...args: A) => {
      if (!trusted(event)) throw new Error('forbidden_sender')
      return fn(...args)
    }

  ipcMain.handle(
    HOST_CHANNELS.pickOpenFile,
    guarded(async (options: { title?: string; filters: { name: string; extensions: string[] }[] }) => {
      if (!mainWindow) return null
      const result = await dialog.showOpenDialog(mainWindow, { title: options?.title, filters: options?.filters, properties: ['openFile'] })
      const picked = result.canceled ? null : (result.filePaths[0] ?? null)
      if (picked) chosenPaths.add(resolve(picked))
      return picked
    }),
  )
  ipcMain.handle(
    HOST_CHANNELS.pickSavePath,
    guarded(async (options: { title?: string; defaultName: string; filters: { name: string; extensions: string[] }[] }) => {
      if (!mainWindow) return null
      const result = await dialog.showSaveDialog(mainWindow, { title: options?.title, defaultPath: options?.defaultName, filters: options?.filters })
      const picked = result.canceled ? null : (result.filePath ?? null)
      if (picked) chosenPaths.add(resolve(picked))
      return picked
    }),
  )
  ipcMain.handle(
    HOST_CHANNELS.showItemInFolder,
    guarded((path: string) => {
      // A page must not be able to open the file manager on arbitrary places of the disk.
      if (!mayReveal(path)) throw new Error('只能显示数据文件夹中或您选择的文件 / only files in the data folder or ones you chose can be shown')
      if (existsSync(path)) shell.showItemInFolder(path)
    }),
  )
  ipcMain.handle(HOST_CHANNELS.startupError, guarded(() => startupError))
  ipcMain.handle(
    HOST_CHANNELS.recoveryBackups,
    guarded(() =>
      listBackups(dataFolder)
        .map((b) => ({ fileName: b.fileName, kind: b.kind, createdAt: b.createdAt, sizeBytes: b.sizeBytes }))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    ),
  )
  ipcMain.handle(
    HOST_CHANNELS.recover,
    guarded(async (fileName: string | null) => {
      // Only a backup the recovery screen listed: never a path the page made up.
      const backup = fileName === null ? null : listBackups(dataFolder).find((b) => b.fileName === fileName)
      if (fileName !== null && !backup) throw new Error(`找不到这个备份 / no such backup: ${String(fileName)}`)
      await core?.close()
      core = null
      if (backup) {
        await restoreBackupFile(dataFolder, backup.path, { nativeBinding, now: new Date() })
      } else {
        moveBrokenDatabaseAside(dataFolder.database)
      }
      app.relaunch()
      app.exit(0)
    }),
  )

  const ready = app.whenReady().then(async () => {
    secureSession(session.defaultSession, security)

    const settings = core ? ((await core.call('settings.get').catch(() => null)) as { language: 'zh-CN' | 'en-US'; updateFeedUrl: string } | null) : null
    const lang = settings?.language ?? 'zh-CN'

    mainWindow = new BrowserWindow({
      width: 1360,
      height: 860,
      minWidth: 1100,
      minHeight: 700,
      show: false,
      title: '果园 Orchard',
      backgroundColor: '#f5f7f6',
      // Packaged, resources/ is copied beside app.asar (extraResources), not into it.
      icon: join(app.isPackaged && process.resourcesPath ? process.resourcesPath : paths.appRoot, 'resources', 'icon.png'),
      webPreferences: { ...WINDOW_PREFERENCES, preload: join(paths.mainDir, '..', 'preload', 'index.cjs') },
    })
    mainWindow.once('ready-to-show', () => mainWindow?.show())
    mainWindow.on('closed', () => (mainWindow = null))

    core?.onAny((event, payload) => mainWindow?.webContents.send(IPC_EVENT, event, payload))

    updater = setupUpdater(process.env.ORCHARD_UPDATE_URL || settings?.updateFeedUrl, () => mainWindow, lang)
    installMenu(lang, {
      dataDir,
      send: (action) => mainWindow?.webContents.send(MENU_CHANNEL, action),
      checkForUpdates: () => {
        if (updater) void updater.checkNow()
        else if (mainWindow)
          void dialog.showMessageBox(mainWindow, {
            type: 'info',
            message: lang === 'en-US' ? 'No update feed is configured (Settings → Updates).' : '尚未配置更新源（设置 → 更新）。',
          })
      },
    })

    const hash = startupError ? 'recovery' : 'dashboard'
    if (devServerUrl) await mainWindow.loadURL(`${devServerUrl}#/${hash}`)
    else await mainWindow.loadFile(entryFile, { hash: `/${hash}` })

    if (core) {
      const upkeep = () => core?.maintenance().catch((err) => console.warn('[orchard] maintenance failed:', (err as Error).message))
      void upkeep()
      setInterval(upkeep, 60 * 60 * 1000).unref()
    }
  })

  app.on('window-all-closed', () => {
    const closing = core?.close()
    core = null
    void Promise.resolve(closing).finally(() => app.quit())
  })

  return { ready }
}

/** Keeps a database that cannot be opened, with its WAL, under a dated name so nothing is lost. */
export function moveBrokenDatabaseAside(databasePath: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, '')
  const target = `${databasePath}.broken-${stamp}`
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(databasePath + suffix)) renameSync(databasePath + suffix, target + suffix)
  }
  return target
}
