import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Runs bench/*.bench.ts (or the one named), each in its own process, and prints
 * the closing JSON line of each with a summary. Exits non-zero only when a bench crashed.
 */
const here = dirname(fileURLToPath(import.meta.url))
const wanted = process.argv[2]
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .filter((name) => !wanted || name === wanted)
if (!benches.length) {
  console.error(`no benchmark named ${wanted}; available: ${readdirSync(here).filter((f) => f.endsWith('.bench.ts')).join(', ')}`)
  process.exit(2)
}

interface Line { bench: string; unit: string; orchard: number; peer: number; ratio: number; goal: number; met: boolean }
const results: Line[] = []
let crashed = false
for (const name of benches) {
  console.log(`\n=== ${name} ===`)
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, `${name}.bench.ts`)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let tail = ''
    child.stdout.on('data', (d: Buffer) => {
      process.stdout.write(d)
      tail += d.toString()
    })
    child.on('exit', (c) => {
      const last = tail.trim().split('\n').at(-1) ?? ''
      try {
        results.push(JSON.parse(last) as Line)
      } catch {
        crashed = true
      }
      resolve(c ?? 1)
    })
  })
  if (code !== 0) crashed = true
}
console.log('\nbench     unit        orchard      peer        ratio   goal   met')
for (const r of results) {
  console.log(`${r.bench.padEnd(9)} ${r.unit.padEnd(10)} ${String(r.orchard).padStart(9)} ${String(r.peer).padStart(9)} ${String(r.ratio).padStart(9)} ${String(r.goal).padStart(6)}   ${r.met}`)
}
process.exit(crashed ? 1 : 0)
