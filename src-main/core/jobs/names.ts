/**
 * A file or folder name that is safe on Windows, macOS and Linux and inside a zip, keeping
 * Chinese: control characters and the characters Windows reserves become _, leading dots go
 * (no hidden files), at most 60 characters. Whitespace runs become one space, or _ where a
 * name is typed in a shell often (pack folders).
 */
export function safeFileName(name: string, options: { spaces?: 'keep' | 'underscore'; fallback?: string } = {}): string {
  const printable = [...name].map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? '_' : ch)).join('')
  const spaced = printable.replace(/[\\/:*?"<>|]/g, '_').replace(/\s+/g, options.spaces === 'underscore' ? '_' : ' ')
  return spaced.trim().replace(/^\.+/, '').slice(0, 60).trim() || (options.fallback ?? '_')
}
