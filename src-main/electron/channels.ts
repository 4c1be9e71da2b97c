/**
 * IPC channels of the desktop shell's own capabilities (OrchardHostBridge). The
 * contract's calls and events travel on IPC_CALL / IPC_EVENT from src-shared/contract.
 * Pure constants: the sandboxed preload bundles this file, so it imports nothing.
 */
export const HOST_CHANNELS = {
  pickOpenFile: 'orchard:host:pick-open-file',
  pickSavePath: 'orchard:host:pick-save-path',
  showItemInFolder: 'orchard:host:show-item-in-folder',
  startupError: 'orchard:host:startup-error',
  recoveryBackups: 'orchard:host:recovery-backups',
  recover: 'orchard:host:recover',
} as const

/** Main → renderer: a native menu command ("import", "export:customers", "backup", "settings"). */
export const MENU_CHANNEL = 'orchard:menu'

export type HostChannel = (typeof HOST_CHANNELS)[keyof typeof HOST_CHANNELS]

/** The actions the native menu sends to the console. */
export const MENU_ACTIONS = ['import', 'export:customers', 'backup', 'settings'] as const
export type MenuAction = (typeof MENU_ACTIONS)[number]
