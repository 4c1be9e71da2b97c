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
import { ImportJob } from './job'
import { openTable, type TableReader } from './read'
import type { CustomerThreadJob, FromWorker, ToWorker } from './threadMessages'
import { DateReader } from './values'

class Cancelled extends Error {}

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
  let reader: TableReader | null = null
  try {
    // The file is read a batch at a time as validation goes: only the header and the first rows before the mapping is known.
    reader = await openTable(job.path, job.sheet, job.limits, job.fileName)
    const source = reader
    send({ kind: 'table', fileName: source.fileName, encoding: source.encoding, sheets: source.sheets, headers: source.headers, total: source.estimatedRows() })
    const order = await inbox.next()
    if (order.kind !== 'validate') return
    const db = new Database(job.database, { readonly: true, fileMustExist: true, nativeBinding: job.nativeBinding })
    try {
      let pending: unknown[] = []
      let sentErrors = 0
      const importJob: ImportJob = new ImportJob(db, source, order.mapping, order.format, new DateReader(order.timezone), order.now, async (done) => {
        send({ kind: 'rows', done, total: source.estimatedRows(), rows: pending, errors: importJob.errors.slice(sentErrors), errorCount: importJob.errorCount })
        sentErrors = importJob.errors.length
        pending = []
        // A turn of the event loop lets a cancellation in.
        await new Promise<void>((resolve) => setImmediate(resolve))
        if (inbox.cancelled()) throw new Cancelled()
      })
      const plan = await planCustomers(importJob, (rows) => {
        pending = rows
      })
      send({
        kind: 'end',
        total: importJob.rowsRead,
        // The last batch's new customers were handed over after the last pause.
        rows: pending.length ? pending.concat(plan.inserts) : plan.inserts,
        errors: importJob.errors.slice(sentErrors),
        errorCount: importJob.errorCount,
        updates: plan.updates,
        groupJoins: plan.groupJoins ?? [],
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
    reader?.close()
    port.close()
  }
}

parentPort?.on('message', (job: CustomerThreadJob) => void runCustomerJob(job))
