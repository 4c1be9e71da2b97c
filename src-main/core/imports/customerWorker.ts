/**
 * The customer import's validation thread (see customerThread.ts): reads the file,
 * validates and normalises every row exactly as an import on the calling thread
 * does (the same planCustomers, reading the studio through its own read-only
 * connection), and hands the new customers over in chunks while the calling
 * thread writes them.
 */
import { parentPort, type MessagePort } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { OrchardError } from '../../../src-shared/errors'
import { planCustomers } from './customers'
import { ImportJob, YIELD_EVERY } from './job'
import { readTableInParts } from './read'
import type { CustomerThreadJob, FromWorker, ToWorker } from './threadMessages'
import { DateReader } from './values'

class Cancelled extends Error {}

/**
 * Records read before validation starts; the rest of a larger file is read while the
 * writing thread writes the first rows.
 */
const HEAD_RECORDS = 20_000

/** The replies of the writing thread, awaited one at a time. */
function replies(port: MessagePort): { next(): Promise<ToWorker>; cancelled(): boolean } {
  const queue: ToWorker[] = []
  let wake: (() => void) | null = null
  let closed = false
  port.on('message', (m: ToWorker) => {
    queue.push(m)
    wake?.()
  })
  port.on('close', () => {
    closed = true
    wake?.()
  })
  return {
    async next() {
      while (!queue.length && !closed) await new Promise<void>((resolve) => (wake = resolve))
      wake = null
      return queue.shift() ?? { kind: 'cancel' }
    },
    cancelled: () => closed || queue.some((m) => m.kind === 'cancel'),
  }
}

export async function runCustomerJob(job: CustomerThreadJob): Promise<void> {
  const signal = new Int32Array(job.signal)
  const port = job.port
  const send = (message: FromWorker) => {
    port.postMessage(message)
    Atomics.add(signal, 0, 1)
    Atomics.notify(signal, 0)
  }
  const inbox = replies(port)
  try {
    const parts = await readTableInParts(job.path, job.sheet, HEAD_RECORDS)
    const { table } = parts
    let rest = parts.rest
    const total = () => (rest ? parts.estimatedRows : table.rows.length)
    send({ kind: 'table', fileName: table.fileName, encoding: table.encoding, sheets: table.sheets, headers: table.headers, total: total() })
    const order = await inbox.next()
    if (order.kind !== 'validate') return
    // planCustomers goes through the rows as long as there are more: the rest is read at the latest
    // at its last pause before the end of the first part (or now, when it would not pause at all).
    if (rest && table.rows.length <= YIELD_EVERY) {
      rest()
      rest = null
    }
    const db = new Database(job.database, { readonly: true, fileMustExist: true, nativeBinding: job.nativeBinding })
    try {
      let pending: unknown[] = []
      let sentErrors = 0
      const importJob: ImportJob = new ImportJob(db, table, order.mapping, order.format, new DateReader(order.timezone), order.now, async (done) => {
        send({ kind: 'rows', done, total: total(), rows: pending, errors: importJob.errors.slice(sentErrors) })
        sentErrors = importJob.errors.length
        pending = []
        if (rest && done + YIELD_EVERY >= table.rows.length) {
          rest()
          rest = null
        }
        // A turn of the event loop lets a cancellation in.
        await new Promise<void>((resolve) => setImmediate(resolve))
        if (inbox.cancelled()) throw new Cancelled()
      })
      const plan = await planCustomers(importJob, (rows) => {
        pending = rows
      })
      send({
        kind: 'end',
        total: table.rows.length,
        rows: plan.inserts,
        errors: importJob.errors.slice(sentErrors),
        updates: plan.updates,
        inserted: plan.inserted,
        updated: plan.updated,
        unchanged: plan.unchanged,
        rejectedRows: plan.rejectedRows,
      })
    } finally {
      db.close()
    }
  } catch (err) {
    if (err instanceof Cancelled) return
    const orchard = err instanceof OrchardError
    const e = err as Error
    send({ kind: 'failed', error: { orchard, code: orchard ? err.code : 'internal', message: e?.message ?? String(err), details: orchard ? err.details : e?.stack } })
  } finally {
    port.close()
  }
}

parentPort?.on('message', (job: CustomerThreadJob) => void runCustomerJob(job))
