import type { MessagePort } from 'node:worker_threads'
import type { OrchardErrorShape } from '../../../src-shared/errors'
import type { RowError } from '../../../src-shared/schemas'
import type { CustomerUpdate } from './customers'
import type { Mapping, SourceFormat } from './fields'
import type { ImportLimits } from './read'

/**
 * What the customer import thread and the thread that writes say to each other
 * (see customerThread.ts): one import, one MessageChannel.
 */

export type FromWorker =
  /**
   * The file's header is read: what the mapping is chosen from. `total` is an estimate
   * of the number of rows until the file was read to the end.
   */
  | { kind: 'table'; fileName: string; encoding: string; sheets: string[]; headers: string[]; total: number }
  /**
   * Rows validated so far (`done` of `total`), the new customers among them (their
   * INSERT parameters, one row after another), the errors found and how many in all.
   */
  | { kind: 'rows'; done: number; total: number; rows: unknown[]; errors: RowError[]; errorCount: number }
  /** Validation is over: the last rows, the updates of known customers and the counts (`total`: the rows the file had). */
  | {
      kind: 'end'
      total: number
      rows: unknown[]
      errors: RowError[]
      /** Every error found so far; `errors` (over all messages) are the first MAX_KEPT_ERRORS of them. */
      errorCount: number
      updates: CustomerUpdate[]
      /** Customers joining groups: [customer id, group id]. */
      groupJoins: [string, string][]
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
  /** The name the person knows the file by (see ImportPreviewInput.fileName). */
  fileName?: string
  limits: ImportLimits
  database: string
  nativeBinding?: string
}
