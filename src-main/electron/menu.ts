import { app, Menu, shell, type MenuItemConstructorOptions } from 'electron'

export interface MenuActions {
  send(action: string): void
  checkForUpdates(): void
  dataDir: string
}

type Lang = 'zh-CN' | 'en-US'
const L = (lang: Lang, zh: string, en: string) => (lang === 'en-US' ? en : zh)

/** The native menu; commands that belong to the console are sent to it as menu actions. */
export function buildMenuTemplate(lang: Lang, actions: MenuActions, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const isMac = platform === 'darwin'
  const template: MenuItemConstructorOptions[] = []
  if (isMac) {
    template.push({ label: app.name, submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }] })
  }
  template.push(
    {
      label: L(lang, '文件', 'File'),
      submenu: [
        { label: L(lang, '导入…', 'Import…'), accelerator: 'CmdOrCtrl+I', click: () => actions.send('import') },
        { label: L(lang, '导出客户…', 'Export customers…'), accelerator: 'CmdOrCtrl+E', click: () => actions.send('export:customers') },
        { type: 'separator' },
        { label: L(lang, '立即备份', 'Back up now'), click: () => actions.send('backup') },
        { label: L(lang, '打开数据文件夹', 'Open data folder'), click: () => void shell.openPath(actions.dataDir) },
        { type: 'separator' },
        { label: L(lang, '设置', 'Settings'), accelerator: 'CmdOrCtrl+,', click: () => actions.send('settings') },
        ...(isMac ? [] : [{ type: 'separator' } as const, { label: L(lang, '退出', 'Quit'), role: 'quit' } as const]),
      ],
    },
    {
      label: L(lang, '编辑', 'Edit'),
      submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
    },
    {
      label: L(lang, '视图', 'View'),
      submenu: [
        ...(app.isPackaged ? [] : ([{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as MenuItemConstructorOptions[])),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: L(lang, '帮助', 'Help'),
      submenu: [
        { label: L(lang, '检查更新', 'Check for updates'), click: () => actions.checkForUpdates() },
        ...(isMac ? [] : [{ label: L(lang, '关于果园', 'About Orchard'), role: 'about' } as const]),
      ],
    },
  )
  return template
}

export function installMenu(lang: Lang, actions: MenuActions): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate(lang, actions)))
}
