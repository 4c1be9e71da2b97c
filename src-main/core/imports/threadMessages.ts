import type { MessagePort } from 'node:worker_threads'
import type { OrchardErrorShape } from '../../../src-shared/errors'
import type { RowError } from '../../../src-shared/schemas'
import type { CustomerUpdate } from './customers'
import type { Mapping, SourceFormat } from './fields'

/**
 * What the customer import thread and the thread that writes say to each other
 * (see customerThread.ts): one import, one MessageChannel.
 */

/** New customers' INSERT parameters, packed so the receiving thread gets them cheaply (see packRows). */
export type PackedRows = { text: string; nulls: Uint8Array; count: number } | { values: unknown[] }

export type FromWorker =
  /**
   * The file's first rows are read: what the mapping is chosen from. `total` is the
   * number of rows, or an estimate while the rest of a large file is still to be read.
   */
  | { kind: 'table'; fileName: string; encoding: string; sheets: string[]; headers: string[]; total: number }
  /** Rows validated so far (`done` of `total`), the new customers among them and the errors found. */
  | { kind: 'rows'; done: number; total: number; rows: PackedRows; errors: RowError[] }
  /** Validation is over: the last rows, the updates of known customers and the counts. */
  | {
      kind: 'end'
      total: number
      rows: PackedRows
      errors: RowError[]
      updates: CustomerUpdate[]
      inserted: number
      updated: number
      unchanged: number
      rejectedRows: number
    }
  | { kind: 'failed'; error: OrchardErrorShape & { orchard: boolean } }

export type ToWorker = { kind: 'validate'; mapping: Mapping; format: SourceFormat; now: string; timezone: string } | { kind: 'cancel' }

/** The job a worker is handed, with the channel of that one import. */
export interface CustomerThreadJob {
  port: MessagePort
  /** Counts the worker's messages, so the writing thread can sleep until the next one. */
  signal: SharedArrayBuffer
  path: string
  sheet?: string
  database: string
  nativeBinding?: string
}

const COLUMNS = 10
// The columns of a new customer that may be NULL: wechat_id, segment, owner_member_id.
const NULLABLE = [2, 7, 8]

/**
 * INSERT parameters (COLUMNS per row) as one string with NUL between the values and a
 * bit per nullable column: one string crosses between threads far faster than a
 * million. A value that itself holds a NUL character sends the values as they are.
 */
export function packRows(values: unknown[]): PackedRows {
  const count = values.length / COLUMNS
  const nulls = new Uint8Array(count)
  for (let r = 0, i = 0; r < count; r++, i += COLUMNS) {
    let bits = 0
    for (let k = 0; k < NULLABLE.length; k++) if (values[i + NULLABLE[k]] === null) bits |= 1 << k
    nulls[r] = bits
  }
  const text = values.join('\u0000')
  // join writes null as '': the separators are the only NULs unless a value brought its own.
  let separators = 0
  for (let at = text.indexOf('\u0000'); at !== -1; at = text.indexOf('\u0000', at + 1)) separators++
  if (values.length && separators !== values.length - 1) return { values }
  return { text, nulls, count }
}

export function unpackRows(rows: PackedRows): unknown[] {
  if ('values' in rows) return rows.values
  if (rows.count === 0) return []
  const values: unknown[] = rows.text.split('\u0000')
  const { nulls } = rows
  for (let r = 0; r < rows.count; r++) {
    const bits = nulls[r]
    if (bits === 0) continue
    for (let k = 0; k < NULLABLE.length; k++) if (bits & (1 << k)) values[r * COLUMNS + NULLABLE[k]] = null
  }
  return values
}
