import type { Session, WebContents, WebFrameMain } from 'electron'
import { consoleCsp } from '../../src-shared/csp'

/**
 * The one place that says which outside sites the console may open in the user's
 * own browser (https only, exact host names). Everything else a page tries to open
 * is refused: a link in imported data must never become a way out of the app.
 */
export const EXTERNAL_URL_ALLOW_LIST: readonly string[] = [
  // The project's own pages (release notes, help).
  'github.com',
  // 企业微信 help on mass-send limits and group QR codes, which the console links to.
  'work.weixin.qq.com',
  'developers.weixin.qq.com',
  // Where studios find their shop's order export (the Shopify import format).
  'help.shopify.com',
]

function parse(url: string): URL | null {
  try {
    return new URL(url)
  } catch {
    return null
  }
}

/**
 * True for the console's own page (any route in its hash): the dev server's origin
 * while developing, otherwise exactly the built index.html. file:// pages are matched
 * by their path, because every file:// URL shares the opaque "null" origin: matching
 * by origin would let any local HTML file through.
 */
export function isAppUrl(candidate: string, appEntry: string, devServerUrl?: string): boolean {
  const url = parse(candidate)
  if (!url) return false
  if (devServerUrl) {
    const dev = parse(devServerUrl)
    return !!dev && url.origin === dev.origin
  }
  const base = parse(appEntry)
  if (!base || url.protocol !== 'file:' || url.host !== base.host) return false
  const norm = (p: string) => {
    const decoded = decodeURIComponent(p)
    // Windows drive letters and folder names are case-insensitive.
    return /^\/[a-zA-Z]:\//.test(decoded) ? decoded.toLowerCase() : decoded
  }
  return norm(url.pathname) === norm(base.pathname)
}

/** The console's one Content-Security-Policy (src-shared/csp.ts), with the dev server allowed in development. */
export const buildCsp = (devServerUrl?: string): string => consoleCsp(devServerUrl)

/** Response headers with our CSP in place of any the server sent (header names are case-insensitive). */
export function withCsp(headers: Record<string, string | string[]> | undefined, csp: string): Record<string, string | string[]> {
  const next: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase()
    if (lower === 'content-security-policy' || lower === 'content-security-policy-report-only') continue
    next[name] = value
  }
  next['Content-Security-Policy'] = [csp]
  return next
}

/** https only, a host on the allow-list, and no credentials hidden in the URL. */
export function isAllowedExternalUrl(candidate: string, allowList: readonly string[] = EXTERNAL_URL_ALLOW_LIST): boolean {
  const url = parse(candidate)
  if (!url || url.protocol !== 'https:') return false
  if (url.username || url.password) return false
  return allowList.includes(url.hostname.toLowerCase())
}

type Frame = Pick<WebFrameMain, 'url' | 'parent'> & Partial<Pick<WebFrameMain, 'processId' | 'routingId'>>

/**
 * An IPC message is trusted only when it comes from the main window's top frame
 * while that frame shows the console's own page. A frame inside the page, another
 * window, or the window after it was navigated elsewhere is refused.
 */
export function isTrustedSender(frame: Frame | null | undefined, mainFrame: Frame | null | undefined, appEntry: string, devServerUrl?: string): boolean {
  if (!frame || !mainFrame) return false
  const sameFrame =
    frame === mainFrame ||
    (frame.processId !== undefined && frame.routingId !== undefined && frame.processId === mainFrame.processId && frame.routingId === mainFrame.routingId)
  if (!sameFrame || frame.parent) return false
  return isAppUrl(frame.url, appEntry, devServerUrl)
}

/** Permissions the console's own page may use; every other request from anyone is denied. */
const PAGE_PERMISSIONS: ReadonlySet<string> = new Set([
  // Copying prepared copy and scripts to the clipboard is the console's way of handing
  // text to WeChat (it never drives a WeChat client); the sanitized write is plain text only.
  'clipboard-sanitized-write',
])

export function isPermissionGranted(
  permission: string,
  requestingUrl: string | undefined,
  isMainFrame: boolean,
  appEntry: string,
  devServerUrl?: string,
): boolean {
  return PAGE_PERMISSIONS.has(permission) && isMainFrame && !!requestingUrl && isAppUrl(requestingUrl, appEntry, devServerUrl)
}

export interface SecurityOptions {
  /** file:// URL of the built index.html. */
  appEntry: string
  devServerUrl?: string
  csp: string
  openExternal: (url: string) => Promise<void>
  allowList?: readonly string[]
  log?: (message: string) => void
}

/** CSP on every response and a closed door on permissions, for the session the window uses. */
export function secureSession(session: Session, options: SecurityOptions): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders, options.csp) })
  })
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const granted = isPermissionGranted(permission, details?.requestingUrl, details?.isMainFrame ?? false, options.appEntry, options.devServerUrl)
    if (!granted) options.log?.(`permission refused: ${permission} for ${details?.requestingUrl ?? 'unknown page'}`)
    callback(granted)
  })
  session.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    isPermissionGranted(permission, details?.requestingUrl, details?.isMainFrame ?? false, options.appEntry, options.devServerUrl),
  )
}

/**
 * Navigation, new windows and <webview> locked down for one web contents. Applied
 * to every web contents the app creates (app 'web-contents-created'), so nothing
 * created later escapes the rules.
 */
export function secureWebContents(contents: WebContents, options: SecurityOptions): void {
  const allowList = options.allowList ?? EXTERNAL_URL_ALLOW_LIST
  const guardNavigation = (event: { preventDefault(): void; url?: string }, legacyUrl?: string) => {
    const url = event.url ?? legacyUrl ?? ''
    if (isAppUrl(url, options.appEntry, options.devServerUrl)) return
    event.preventDefault()
    options.log?.(`navigation refused: ${url}`)
  }
  contents.on('will-navigate', guardNavigation)
  contents.on('will-frame-navigate', (event) => guardNavigation(event))
  contents.on('will-redirect', guardNavigation)
  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
    options.log?.('webview refused')
  })
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url, allowList)) {
      const refused = (err: unknown) => options.log?.(`cannot open ${url}: ${(err as Error).message}`)
      try {
        Promise.resolve(options.openExternal(url)).catch(refused)
      } catch (err) {
        refused(err)
      }
    } else {
      options.log?.(`window refused: ${url}`)
    }
    return { action: 'deny' }
  })
}
