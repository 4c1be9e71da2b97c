/**
 * A spreadsheet executes a cell that starts with =, +, - or @ (and tab / carriage
 * return tricks that hide one). Such cells get a leading single quote so they show
 * as text; the importer strips that quote again, so phones like +8613800138000 and
 * notes like "-先付后发" survive a round trip.
 */
export function neutralizeCell(value: string): string {
  // Leading quotes are looked through, so a value that itself starts with '= still reads back exactly.
  return FORMULA_LIKE.test(value) ? `'${value}` : value
}
const FORMULA_LIKE = /^'*[=+\-@\t\r]/

/**
 * An XLSX string cell is never executed, so it needs no quote — but the importer strips one
 * quote before a formula character (older exports carried them), so text that itself starts
 * that way ('=…) keeps reading back exactly with one more.
 */
export function keepQuotes(value: string): string {
  return /^'+[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

/** One CSV field: neutralised, and quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  const s = typeof value === 'number' ? String(value) : neutralizeCell(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const csvLine = (cells: readonly (string | number | null | undefined)[]) => cells.map(csvField).join(',') + '\r\n'

/** Excel and WPS open a UTF-8 CSV as UTF-8 only when it starts with a byte order mark. */
export const CSV_BOM = '\uFEFF'
