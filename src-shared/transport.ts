import type { EventName, MethodName, MethodOutput, MethodInput, ServiceName } from './contract'
import type { Result } from './errors'

/**
 * How the contract travels. Both hosts carry the same envelopes; the renderer's
 * client unwraps them into values or OrchardErrors.
 *
 * Electron:
 *   preload exposes `window.orchard` (an OrchardBridge generated from methodNames):
 *   window.orchard.<service>.<method>(input) -> ipcRenderer.invoke(IPC_CALL, 'service.method', input) -> Result
 *   window.orchard.$onEvent(listener) <- IPC_EVENT (event, payload); returns an unsubscribe function
 *   window.orchardHost: native capabilities of the desktop shell (OrchardHostBridge)
 *
 * Browser mode (127.0.0.1, per-run token; the page URL carries ?token=…):
 *   POST {HTTP_CALL_PREFIX}service.method   body: JSON input     header: Authorization: Bearer <token>  -> Result JSON
 *   GET  {HTTP_EVENTS}?token=…              Server-Sent Events: `event: <name>` / `data: <json payload>`
 *   POST {HTTP_UPLOAD}?name=<file name>     body: raw bytes      -> { path } (a staged file the core can import)
 *   GET  {HTTP_DOWNLOAD}?path=…&token=…     a file from the data folder's exports/ (Content-Disposition: attachment)
 */
export const HTTP_CALL_PREFIX = '/api/call/'
export const HTTP_EVENTS = '/api/events'
export const HTTP_UPLOAD = '/api/upload'
export const HTTP_DOWNLOAD = '/api/download'

export type OrchardBridge = {
  [S in ServiceName]: {
    [M in MethodName<S>]: (input?: MethodInput<S, M>) => Promise<Result<MethodOutput<S, M>>>
  }
} & {
  $onEvent(listener: (event: EventName, payload: unknown) => void): () => void
}

/** What only the desktop shell can do (native dialogs, the OS file manager, recovery). */
export interface OrchardHostBridge {
  kind: 'electron'
  pickOpenFile(options: { title?: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null>
  pickSavePath(options: { title?: string; defaultName: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null>
  showItemInFolder(path: string): Promise<void>
  /** Set when the database could not be opened; the console then shows the recovery screen. */
  startupError(): Promise<{ code: string; message: string; dataDir: string } | null>
  /** Backups available for recovery (works without an open database). */
  recoveryBackups(): Promise<{ fileName: string; createdAt: string; sizeBytes: number }[]>
  /** Restore a backup (or start an empty studio when fileName is null) and relaunch. */
  recover(fileName: string | null): Promise<void>
  /** Native menu commands ("import", "export:customers", "backup", "settings", …) routed to the console. */
  onMenu(listener: (action: string) => void): () => void
  platform: string
}
