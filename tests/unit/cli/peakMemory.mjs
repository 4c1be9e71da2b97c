// Preloaded into an `orchard` child process by the tests that measure it (node --import):
// on exit, writes the process's peak resident memory in kilobytes (worker threads
// included, they share the process) to the file ORCHARD_PEAK_RSS_FILE names.
import { writeFileSync } from 'node:fs'

process.on('exit', () => {
  const file = process.env.ORCHARD_PEAK_RSS_FILE
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS))
})
