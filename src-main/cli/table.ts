/**
 * Plain-text tables for a terminal. Chinese characters take two columns in a
 * terminal, so widths are counted in display columns, not string length —
 * otherwise a table of Chinese names and reasons comes out ragged.
 */

const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u

export function displayWidth(text: string): number {
  let width = 0
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0
    width += WIDE.test(ch) || code > 0xffff ? 2 : 1
  }
  return width
}

/** Cuts `text` to at most `max` display columns, marking the cut with an ellipsis. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ')
  if (displayWidth(flat) <= max) return flat
  let out = ''
  for (const ch of flat) {
    if (displayWidth(out + ch) > max - 1) break
    out += ch
  }
  return out + '…'
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)))
}

/**
 * Renders rows under a header, columns separated by two spaces. Cells longer than
 * `maxCell` are clipped, except in the last column (the reason, the one to read in full).
 */
export function renderTable(header: string[], rows: string[][], maxCell = 40): string {
  const cells = rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell.replace(/[\r\n\t]+/g, ' ') : clip(cell, maxCell))))
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...cells.map((row) => displayWidth(row[i] ?? ''))))
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i])))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')
}
