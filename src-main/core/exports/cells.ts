/**
 * A spreadsheet executes a cell that starts with =, +, - or @ (and tab/CR tricks).
 * Exports prefix such cells with a single quote so they show as text; the importer
 * strips that quote again, so phones like +8613800138000 survive a round trip.
 */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}
