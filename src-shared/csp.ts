/**
 * The one Content-Security-Policy of the console, served alike by the desktop shell and
 * browser mode. naive-ui injects its styles at run time, hence 'unsafe-inline' for styles
 * only; scripts come from the app alone; nothing may frame it, post a form from it, or
 * load a plugin. In development the dev server's own origin (http and its HMR websocket)
 * may be connected to, nothing else.
 */
export function consoleCsp(devServerUrl?: string): string {
  const connect = ["'self'"]
  if (devServerUrl) {
    const dev = new URL(devServerUrl)
    const wsProtocol = dev.protocol === 'https:' ? 'wss:' : 'ws:'
    connect.push(dev.origin, `${wsProtocol}//${dev.host}`)
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ')
}

/**
 * The console's policy as its page's own meta tag carries it (for a page the desktop shell
 * opens from a file): the same rules but frame-ancestors, which a meta tag cannot set (the
 * hosts' header sets it).
 */
export function consoleMetaCsp(): string {
  return consoleCsp()
    .split('; ')
    .filter((rule) => !rule.startsWith('frame-ancestors'))
    .join('; ')
}

/**
 * The Content-Security-Policy of members' pages and group live codes, which the team's
 * server serves to phones on the internet: its own stylesheet, script, pictures and videos
 * and nothing else — no inline script or style, no third party, no frames, forms only to
 * itself.
 */
export function memberPageCsp(): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "media-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
