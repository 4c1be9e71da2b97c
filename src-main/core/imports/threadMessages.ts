import type { MessagePort } from 'node:worker_threads'
import type { OrchardErrorShape } from '../../../src-shared/errors'
import type { RowError } from '../../../src-shared/schemas'
import type { CustomerUpdate } from './customers'
import type { Mapping, SourceFormat } from './fields'

/**
 * What the customer import thread and the thread that writes say to each other
 * (see customerThread.ts): one import, one MessageChannel.
 */

export type FromWorker =
  /**
   * The file's first rows are read: what the mapping is chosen from. `total` is the
   * number of rows, or an estimate while the rest of a large file is still to be read.
   */
  | { kind: 'table'; fileName: string; encoding: string; sheets: string[]; headers: string[]; total: number }
  /**
   * Rows validated so far (`done` of `total`), the new customers among them (their
   * INSERT parameters, one row after another) and the errors found.
   */
  | { kind: 'rows'; done: number; total: number; rows: unknown[]; errors: RowError[] }
  /** Validation is over: the last rows, the updates of known customers and the counts. */
  | {
      kind: 'end'
      total: number
      rows: unknown[]
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
