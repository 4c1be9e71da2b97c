import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

/** The `orchard` command as users run it (bin/orchard.mjs). */
export const ORCHARD_BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'orchard.mjs')

/** spawnSync cuts a child's output at 1 MB by default; a busy member's month as JSON is larger. */
const OUTPUT_BYTES = 64 * 1024 * 1024

/** Runs `orchard ARGS --data-dir DATADIR` to the end: its exit status, stdout and stderr. */
export function runOrchard(args: string[], dataDir: string, env: NodeJS.ProcessEnv = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [ORCHARD_BIN, ...args, '--data-dir', dataDir], { encoding: 'utf8', maxBuffer: OUTPUT_BYTES, env: { ...process.env, ...env } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}
