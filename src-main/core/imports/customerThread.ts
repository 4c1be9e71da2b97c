import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'
import { OrchardError } from '../../../src-shared/errors'
import type { Mapping, SourceFormat } from './fields'
import type { CustomerThreadJob, FromWorker, ToWorker } from './threadMessages'

/**
 * A large customer file is read and validated on a thread of its own while the
 * calling thread writes the rows already validated, so the two halves of an import
 * share the machine's cores. The result is the one validating on the calling thread
 * gives: the thread runs the same planCustomers against the studio as it was when
 * the import started (its own read-only connection sees nothing of the write in
 * progress), and the writing thread adds nothing of its own but the SQL.
 *
 * The calling thread waits for the next rows without blocking its event loop (the
 * console stays responsive); the run's transaction is on a connection of its own
 * (see handlers.ts), so nothing else the host does meanwhile joins it.
 */

/**
 * Files from this size on are worth a thread that is ready (about 15,000 customers),
 * and from the larger one on worth starting a thread for (starting one takes a few
 * tenths of a second, most of all from the sources).
 */
export const THREAD_MIN_BYTES = 2 * 1024 * 1024
export const COLD_THREAD_MIN_BYTES = 8 * 1024 * 1024
/**
 * How long the writing thread waits for the next rows, holding the transaction,
 * before giving up on the validating thread (which sends them every few thousand rows).
 */
const STALL_MS = 120_000
/**
 * The thread's heap. Reading streams, so a run needs a fraction of this whatever the file;
 * should one ever need more, the thread stops with an error instead of taking the host down.
 */
const OLD_GENERATION_MB = 1536
/** A thread kept after an import, for the next one. */
const IDLE_MS = 60_000
/**
 * The thread's young generation: validating a file allocates a few strings per cell that
 * live for one row. With room for a few thousand rows' worth, most of them die young
 * instead of being promoted and marked with the whole file (about 5 % of a 100,000-row import).
 */
const YOUNG_GENERATION_MB = 64

/**
 * Whether to validate this file on a thread: ORCHARD_IMPORT_THREAD=1 always, =0 never,
 * otherwise when the thread's code is there for files from THREAD_MIN_BYTES on if a
 * thread is ready (the console's preview of the file readies one), from
 * COLD_THREAD_MIN_BYTES on in any case.
 */
export function wantsThread(path: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.ORCHARD_IMPORT_THREAD === '0' || !workerFile()) return false
  if (env.ORCHARD_IMPORT_THREAD === '1') return true
  return sizeOf(path) >= (idle && !dead.has(idle.worker) ? THREAD_MIN_BYTES : COLD_THREAD_MIN_BYTES)
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

let located: string | null | undefined
/**
 * Where the thread's code is: a build that bundles customerWorker.ts (an entry of its
 * own, as the poster worker has) has it as customerWorker.js beside the main process's
 * code; running from the sources, a small loader registers the TypeScript loader in
 * the thread first. Null when neither is there: imports then validate on the calling thread.
 */
function workerFile(): string | null {
  if (located !== undefined) return located
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'customerWorker.js'), join(here, '..', 'customerWorker.js'), join(here, 'customerWorkerLoader.mjs')]
  located = candidates.find((f) => existsSync(f)) ?? null
  return located
}

let idle: { worker: Worker; timer: NodeJS.Timeout } | null = null
const dead = new WeakSet<Worker>()
const outOfMemory = new WeakSet<Worker>()

function takeWorker(): Worker {
  if (idle && !dead.has(idle.worker)) {
    const { worker, timer } = idle
    idle = null
    clearTimeout(timer)
    worker.ref()
    return worker
  }
  const worker = new Worker(workerFile()!, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, maxOldGenerationSizeMb: OLD_GENERATION_MB } })
  const gone = (err?: unknown) => {
    if (err && (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') outOfMemory.add(worker)
    dead.add(worker)
    if (idle?.worker === worker) {
      clearTimeout(idle.timer)
      idle = null
    }
  }
  worker.on('error', gone)
  worker.on('exit', gone)
  return worker
}

function keepWorker(worker: Worker): void {
  if (dead.has(worker)) return
  // Waiting for the next import is never what keeps the process alive.
  worker.unref()
  if (idle) {
    void worker.terminate()
    return
  }
  const timer = setTimeout(() => {
    if (idle?.worker === worker) idle = null
    void worker.terminate()
  }, IDLE_MS)
  timer.unref()
  idle = { worker, timer }
}

/** Starts a thread ahead of the import of a large file (the console opens the file first), so the import does not wait for it. */
export function warmCustomerThread(path: string, env: NodeJS.ProcessEnv = process.env): void {
  if (idle || env.ORCHARD_IMPORT_THREAD === '0' || !workerFile() || sizeOf(path) < THREAD_MIN_BYTES) return
  keepWorker(takeWorker())
}

/** One import's conversation with its thread. */
export class CustomerThread {
  private readonly port: MessagePort
  private readonly signal: Int32Array
  private finished = false

  private constructor(
    private readonly worker: Worker,
    job: Omit<CustomerThreadJob, 'port' | 'signal'>,
  ) {
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    const shared = new SharedArrayBuffer(4)
    this.signal = new Int32Array(shared)
    worker.postMessage({ ...job, port: port2, signal: shared } satisfies CustomerThreadJob, [port2])
  }

  static start(job: Omit<CustomerThreadJob, 'port' | 'signal'>): CustomerThread {
    return new CustomerThread(takeWorker(), job)
  }

  validate(mapping: Mapping, format: SourceFormat, now: string, timezone: string): void {
    this.port.postMessage({ kind: 'validate', mapping, format, now, timezone } satisfies ToWorker)
  }

  /**
   * The next message, waiting without blocking the event loop: however long the thread
   * takes to read a large workbook, the host keeps answering, and a thread that stopped
   * is noticed here. A timer is kept while waiting: an Atomics wait alone does not keep
   * a process alive, and a CLI whose thread died must not simply exit without a word.
   */
  async next(): Promise<FromWorker> {
    const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync
    let since = Date.now()
    for (;;) {
      const seen = Atomics.load(this.signal, 0)
      const message = this.receive()
      if (message) return message
      if (dead.has(this.worker)) throw this.stalled()
      if (Date.now() - since > STALL_MS) throw this.stalled()
      const keepAlive = setTimeout(() => undefined, 1000)
      try {
        if (waitAsync) {
          const wait = waitAsync(this.signal, 0, seen, 250)
          if (wait.async) await wait.value
        } else {
          await new Promise((resolve) => setTimeout(resolve, 2))
        }
      } finally {
        clearTimeout(keepAlive)
      }
      if (Atomics.load(this.signal, 0) !== seen) since = Date.now()
    }
  }

  private receive(): FromWorker | null {
    const got = receiveMessageOnPort(this.port)
    if (!got) return null
    const message = got.message as FromWorker
    if (message.kind === 'failed') {
      this.finished = true
      const { orchard, code, message: text, details } = message.error
      throw orchard ? new OrchardError(code, text, details) : new Error(text)
    }
    if (message.kind === 'end') this.finished = true
    return message
  }

  private stalled(): OrchardError {
    const memory = outOfMemory.has(this.worker)
    dead.add(this.worker)
    void this.worker.terminate()
    if (memory) {
      return new OrchardError('import_memory', `校验线程内存不足，导入已取消，未写入任何数据 / the validation thread ran out of memory; nothing was imported`, { limitMb: OLD_GENERATION_MB })
    }
    return new OrchardError('import_thread', '校验线程没有响应，导入已取消，请重试 / the validation thread stopped responding; nothing was imported', {})
  }

  /** Ends the conversation: a thread that finished is kept for the next import, one cut short is stopped. */
  close(): void {
    if (!this.finished) {
      this.port.postMessage({ kind: 'cancel' } satisfies ToWorker)
      dead.add(this.worker)
      void this.worker.terminate()
    } else {
      keepWorker(this.worker)
    }
    this.port.close()
  }
}

type WaitAsync = (typedArray: Int32Array, index: number, value: number, timeout?: number) => { async: false; value: string } | { async: true; value: Promise<string> }
