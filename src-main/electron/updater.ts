import { app, dialog, type BrowserWindow } from 'electron'
import electronUpdater from 'electron-updater'

const SIX_HOURS = 6 * 60 * 60 * 1000

export interface Updater {
  /** Manual check from the menu; tells the user the outcome. */
  checkNow(): Promise<void>
}

/**
 * electron-updater on a generic feed the studio configures (settings or
 * ORCHARD_UPDATE_URL). Only a packaged app with a feed checks; a dev build or an
 * unconfigured one never reaches out.
 */
export function setupUpdater(feedUrl: string | undefined, window: () => BrowserWindow | null, lang: 'zh-CN' | 'en-US'): Updater | null {
  const url = feedUrl?.trim()
  if (!app.isPackaged || !url) return null
  const { autoUpdater } = electronUpdater
  const L = (zh: string, en: string) => (lang === 'en-US' ? en : zh)
  autoUpdater.setFeedURL({ provider: 'generic', url })
  autoUpdater.autoDownload = true
  autoUpdater.on('error', (err) => console.warn('[orchard] update check failed:', err?.message ?? err))
  autoUpdater.on('update-downloaded', async (info) => {
    const win = window()
    const options = {
      type: 'info' as const,
      buttons: [L('立即重启更新', 'Restart now'), L('稍后', 'Later')],
      defaultId: 0,
      cancelId: 1,
      message: L(`果园 ${info.version} 已下载`, `Orchard ${info.version} has been downloaded`),
      detail: L('重启后即完成更新，数据不受影响。', 'Restart to finish the update; your data is not affected.'),
    }
    const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options)
    if (response === 0) autoUpdater.quitAndInstall()
  })
  const check = () => autoUpdater.checkForUpdates().catch((err: Error) => console.warn('[orchard] update check failed:', err.message))
  void check()
  setInterval(check, SIX_HOURS).unref()
  return {
    async checkNow() {
      const win = window()
      try {
        const result = await autoUpdater.checkForUpdates()
        const newer = result?.updateInfo && result.updateInfo.version !== app.getVersion()
        const message = newer
          ? L(`发现新版本 ${result.updateInfo.version}，正在下载。`, `Version ${result.updateInfo.version} is available and downloading.`)
          : L('已是最新版本。', 'Orchard is up to date.')
        if (win) await dialog.showMessageBox(win, { type: 'info', message })
      } catch (err) {
        if (win) await dialog.showMessageBox(win, { type: 'warning', message: L('检查更新失败', 'Update check failed'), detail: (err as Error).message })
      }
    },
  }
}
