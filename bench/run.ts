/**
 * `npm run bench [-- NAME]`: runs bench/*.bench.ts (or the one named), each in its
 * own Node process so one benchmark's caches and heap never colour another's,
 * streams their output, and ends with a summary of the closing JSON line each
 * prints: {"bench","unit","orchard","peer","ratio","goal","met"}.
 *
 * Exits 0 even when a goal is missed (the table says so); non-zero only when a
 * benchmark crashed or printed no result line.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

interface BenchLine {
  bench: string
  unit: string
  orchard: number
  peer: number
  ratio: number
  goal: number
  met: boolean
}

const here = dirname(fileURLToPath(import.meta.url))
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort()
const wanted = process.argv[2]
if (wanted && !available.includes(wanted)) {
  console.error(`没有名为 ${wanted} 的基准 / no benchmark named ${wanted}; available: ${available.join(', ')}`)
  process.exit(2)
}
const names = wanted ? [wanted] : available

function isBenchLine(value: unknown): value is BenchLine {
  if (!value || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  return typeof v.bench === 'string' && typeof v.orchard === 'number' && typeof v.met === 'boolean'
}

/** The last line of the output that is a result object (anything printed after it is ignored). */
function resultLine(output: string): BenchLine | null {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'))
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const parsed: unknown = JSON.parse(lines[i])
      if (isBenchLine(parsed)) return parsed
    } catch {
      // a line that only looks like JSON
    }
  }
  return null
}

function runOne(name: string): Promise<{ name: string; code: number | null; result: BenchLine | null; seconds: number }> {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, `${name}.bench.ts`)], {
      cwd: dirname(here),
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      process.stdout.write(chunk)
      output += chunk
    })
    child.on('close', (code) => resolve({ name, code, result: resultLine(output), seconds: (performance.now() - started) / 1000 }))
  })
}

const format = (n: number) => (Number.isInteger(n) || !Number.isFinite(n) ? String(n) : Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2))

const outcomes = []
for (const name of names) {
  console.log(`\n=== ${name} ===`)
  outcomes.push(await runOne(name))
}

const header = ['bench', 'unit', 'orchard', 'peer', 'ratio', 'goal', 'met', 'time']
const rows = outcomes.map(({ name, code, result, seconds }) =>
  result && code === 0
    ? [result.bench, result.unit, format(result.orchard), format(result.peer), format(result.ratio), format(result.goal), result.met ? 'yes' : 'NO', `${seconds.toFixed(0)} s`]
    : [name, '—', '—', '—', '—', '—', code === 0 ? 'no result line' : `crashed (exit ${code})`, `${seconds.toFixed(0)} s`],
)
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const line = (cells: string[]) => cells.map((c, i) => (i < 2 || i === 6 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
console.log('\n' + line(header))
console.log(widths.map((w) => '-'.repeat(w)).join('  '))
for (const r of rows) console.log(line(r))

const crashed = outcomes.filter((o) => o.code !== 0 || !o.result)
process.exit(crashed.length ? 1 : 0)
