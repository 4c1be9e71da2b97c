/**
 * One workstation as its own process, syncing round after round until it is
 * killed (kill -9 from the chaos test): `node --import tsx workstationProcess.ts DATA_DIR`.
 * Prints each step it reaches, so the test can kill it in the middle of one.
 */
import { createCore } from '../../src-main/core/api'
import { startSyncLoop } from '../../src-main/core/sync'

const dataDir = process.argv[2]
const core = createCore({ dataDir, host: 'cli', firstStart: 'empty' })
const loop = await startSyncLoop(core.context, {
  backoffMs: 10,
  maxBackoffMs: 100,
  idleMs: 50,
  pushBatch: 100,
  pullPage: 200,
  onStep: (step) => {
    process.stdout.write(`step ${step}\n`)
  },
})
process.stdout.write('started\n')
for (;;) {
  await loop.syncNow().catch(() => undefined)
}
