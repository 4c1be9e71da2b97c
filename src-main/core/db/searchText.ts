/**
 * The text the customer search indexes, and its one-character-per-token form.
 * Registered as SQL functions so the search triggers keep the index in step with
 * every write, whichever code path made it.
 */
const FIELD_BREAK = ' qqfieldbreakqq '

export function searchText(name: unknown, wechatId: unknown, phonesJson: unknown, notes: unknown): string {
  const parts: string[] = []
  if (typeof name === 'string' && name) parts.push(name)
  if (typeof wechatId === 'string' && wechatId) parts.push(wechatId)
  if (typeof phonesJson === 'string' && phonesJson.length > 2) {
    for (const phone of JSON.parse(phonesJson) as string[]) {
      parts.push(phone)
      // Also index the national number so "138…" finds "+86138…".
      if (phone.startsWith('+86')) parts.push(phone.slice(3))
    }
  }
  if (typeof notes === 'string' && notes) parts.push(notes)
  return parts.join(' ').toLowerCase()
}

/** "王芳 wx_1" -> "王 芳 qqfieldbreakqq w x _ 1": each character a token, whitespace a break. */
export function charTokens(text: unknown): string {
  if (typeof text !== 'string') return ''
  let out = ''
  let lastWasBreak = true
  for (const ch of text) {
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (!lastWasBreak) out += FIELD_BREAK
      lastWasBreak = true
      continue
    }
    out += ch === '"' ? ' ' : ch + ' '
    lastWasBreak = false
  }
  return out
}

export interface SearchQuery {
  table: 'customer_search_tri' | 'customer_search_uni'
  match: string
  /** LIKE pattern for rows the index has not caught up with yet (escape character backslash). */
  like: string
}

/**
 * Turns what the operator typed into an FTS5 MATCH expression, or null when nothing
 * searchable is left. Phone-like input loses its spaces and dashes ("138 0013" finds
 * "13800138…").
 */
export function buildSearchQuery(raw: string): SearchQuery | null {
  let q = raw.trim().toLowerCase()
  if (!q) return null
  if (/^[+\d\s-]+$/.test(q)) q = q.replace(/[\s-]/g, '')
  const chars = [...q].filter((c) => c !== '"')
  if (chars.length === 0) return null
  const like = `%${chars.join('').replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  if (chars.length >= 3) {
    return { table: 'customer_search_tri', match: `"${chars.join('')}"`, like }
  }
  // unicode61 drops separators (punctuation, spaces); keep only what it would index.
  const tokens = chars.filter((c) => /[\p{L}\p{N}_\-+@.]/u.test(c))
  if (tokens.length === 0) return null
  return { table: 'customer_search_uni', match: `"${tokens.join(' ')}"`, like }
}
