/**
 * The measured side of the packs-memory benchmark, in a process of its own: opens
 * the prepared studio, generates the whole batch as the CLI would, and prints the
 * process's peak resident memory (worker threads included: they share the process).
 */
import { createCore } from '../../src-main/core/api'

const [dataDir, out, date, products] = process.argv.slice(2)
const core = createCore({ dataDir, host: 'cli', firstStart: 'empty' })
const t = performance.now()
const job = await core.invoke('packs', 'generate', { date, products: products.split(','), templates: ['clean-white'], out, zip: false, video: false })
const seconds = (performance.now() - t) / 1000
await core.close()
console.log(JSON.stringify({ job: { status: job.status, files: job.files, members: job.members, bytes: job.bytes }, seconds, maxRssKb: process.resourceUsage().maxRSS }))
