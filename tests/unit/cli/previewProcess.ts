/**
 * The console's preview of a file, in a process of its own so its memory can be
 * measured: `node --import tsx previewProcess.ts DATA_DIR ENTITY FILE`. Prints what the
 * preview shows and the process's peak resident memory, as one JSON line.
 */
import { createCore } from '../../../src-main/core/api'

const [dataDir, entity, path] = process.argv.slice(2)
const core = createCore({ dataDir, host: 'cli', firstStart: 'empty' })
try {
  const preview = await core.invoke('imports', 'preview', { entity, path })
  const { sampleRows, totalRows, totalRowsEstimated, encoding, headers } = preview
  process.stdout.write(JSON.stringify({ preview: { headers, sampleRows: sampleRows.length, totalRows, totalRowsEstimated, encoding } }) + '\n')
} catch (err) {
  process.stdout.write(JSON.stringify({ error: err }) + '\n')
} finally {
  await core.close()
}
process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }) + '\n')
