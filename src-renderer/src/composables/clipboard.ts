/**
 * Copies a script, a code or a link for pasting into WeChat. Orchard prepares and
 * copies; it never drives a WeChat client. The textarea fallback covers windows
 * where the async clipboard is refused (an unfocused page, an older shell).
 */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text)
    return
  } catch {
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.style.position = 'fixed'
    area.style.opacity = '0'
    document.body.appendChild(area)
    area.select()
    const ok = document.execCommand('copy')
    area.remove()
    if (!ok) throw new Error('clipboard unavailable')
  }
}
