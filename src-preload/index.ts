import { contextBridge, ipcRenderer } from 'electron'
import { IPC_CALL, IPC_EVENT, methodNames, type EventName } from '../src-shared/contract'
import type { OrchardHostBridge } from '../src-shared/transport'
import { HOST_CHANNELS, MENU_CHANNEL } from '../src-main/electron/channels'

/**
 * The bridge, generated from the contract: every "service.method" becomes
 * window.orchard.service.method(input), answered with a Result envelope. Nothing
 * else of Electron reaches the page.
 */
export function buildBridge(invoke: (channel: string, ...args: unknown[]) => Promise<unknown>) {
  const bridge: Record<string, Record<string, (input?: unknown) => Promise<unknown>> | unknown> = {}
  for (const name of methodNames) {
    const [service, method] = name.split('.')
    const methods = (bridge[service] ??= {}) as Record<string, (input?: unknown) => Promise<unknown>>
    methods[method] = (input?: unknown) => invoke(IPC_CALL, name, input)
  }
  return bridge
}

const orchard = buildBridge((channel, ...args) => ipcRenderer.invoke(channel, ...args))
orchard.$onEvent = (listener: (event: EventName, payload: unknown) => void) => {
  const handler = (_e: unknown, event: EventName, payload: unknown) => listener(event, payload)
  ipcRenderer.on(IPC_EVENT, handler)
  return () => ipcRenderer.removeListener(IPC_EVENT, handler)
}

const orchardHost: OrchardHostBridge = {
  kind: 'electron',
  platform: process.platform,
  pickOpenFile: (options) => ipcRenderer.invoke(HOST_CHANNELS.pickOpenFile, options),
  pickSavePath: (options) => ipcRenderer.invoke(HOST_CHANNELS.pickSavePath, options),
  showItemInFolder: (path) => ipcRenderer.invoke(HOST_CHANNELS.showItemInFolder, path),
  startupError: () => ipcRenderer.invoke(HOST_CHANNELS.startupError),
  recoveryBackups: () => ipcRenderer.invoke(HOST_CHANNELS.recoveryBackups),
  recover: (fileName) => ipcRenderer.invoke(HOST_CHANNELS.recover, fileName),
  onMenu: (listener) => {
    const handler = (_e: unknown, action: string) => listener(action)
    ipcRenderer.on(MENU_CHANNEL, handler)
    return () => ipcRenderer.removeListener(MENU_CHANNEL, handler)
  },
}

contextBridge.exposeInMainWorld('orchard', orchard)
contextBridge.exposeInMainWorld('orchardHost', orchardHost)
