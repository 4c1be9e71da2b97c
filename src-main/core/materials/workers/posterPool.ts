import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { PosterMember, PosterProduct, PosterStudio, PosterTemplate } from '../render'
import { renderPosterTask } from './posterWorker'

/**
 * Render threads: one per core beyond the first (at most 4, at least 1). The
 * encoding itself runs on libvips' own threads over every core, so a thread's
 * JavaScript (QR codes, text) is what each extra render thread takes off the
 * thread that serves the console. ORCHARD_RENDER_THREADS overrides it; 0 renders
 * on the calling thread.
 */
export function renderThreads(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.ORCHARD_RENDER_THREADS
  if (set !== undefined && /^\d+$/.test(set)) return Math.min(16, Number(set))
  return Math.max(1, Math.min(4, availableParallelism() - 1))
}

/** Posters each thread works on at once, so libvips always has the next one to encode. */
const TASKS_PER_THREAD = 4

/**
 * Where the worker's code is: the desktop build bundles it as posterWorker.js beside
 * the main process's code; running from the sources, a small loader registers the
 * TypeScript loader in the thread first.
 */
export function posterWorkerFile(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  for (const bundled of [join(here, 'posterWorker.js'), join(here, '..', 'posterWorker.js')]) if (existsSync(bundled)) return bundled
  return join(here, 'posterWorkerLoader.mjs')
}

/**
 * Member posters rendered on worker threads, so a batch uses every core and the
 * thread that serves the console stays free. Each thread draws the shared layers of
 * a template and product once and reuses them for every member it is given.
 */
export class PosterPool {
  private readonly pool: Piscina | null

  constructor(threads = renderThreads()) {
    this.pool = threads > 0 ? new Piscina({ filename: posterWorkerFile(), minThreads: threads, maxThreads: threads, concurrentTasksPerWorker: TASKS_PER_THREAD, idleTimeout: 2_000 }) : null
  }

  get threads(): number {
    return this.pool?.options.maxThreads ?? 0
  }

  async render(template: PosterTemplate, product: PosterProduct, studio: PosterStudio, member: PosterMember): Promise<Buffer> {
    const task = { template, product, studio, member }
    if (!this.pool) return renderPosterTask(task)
    const out = (await this.pool.run(task)) as Uint8Array
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
  }

  async close(): Promise<void> {
    await this.pool?.destroy()
  }
}
