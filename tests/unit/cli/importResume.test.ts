import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ORCHARD_BIN, runOrchard } from './run'

/**
 * A large customer import killed with SIGKILL while it runs — on the import thread, whose
 * write's transaction is open while the rest of the file is validated — is resumed with
 * `orchard import resume JOBID`: the file and options were kept with the job, and every
 * row of the file is in the studio once.
 */
const ROWS = 30_000

let dir: string
const dataDir = () => join(dir, 'data')
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-import-resume-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function read<T>(sql: string): T {
  const db = new Database(join(dataDir(), 'orchard.db'), { readonly: true })
  try {
    return db.prepare(sql).get() as T
  } finally {
    db.close()
  }
}

it('resumes an import killed mid-run by its job id: every row once, none lost', async () => {
  expect(runOrchard(['info', '--json'], dataDir()).code).toBe(0)
  const lines = ['姓名,手机,备注']
  for (let i = 0; i < ROWS; i++) lines.push(`客户${i},1${3800000000 + i},第${i}行`)
  const csv = join(dir, 'customers.csv')
  writeFileSync(csv, lines.join('\n') + '\n')

  const child = spawn(process.execPath, [ORCHARD_BIN, 'import', 'customers', csv, '--mode', 'valid-rows', '--lang', 'en', '--data-dir', dataDir()], {
    env: { ...process.env, ORCHARD_IMPORT_THREAD: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = once(child, 'exit')
  // The job id is told before the import begins: what a person needs to resume it.
  while (child.exitCode === null && !/import job (\S+)/.test(stderr)) await sleep(20)
  const jobId = /import job (\S+)/.exec(stderr)![1]
  expect(stderr).toContain(`orchard import resume ${jobId}`)
  // Killed once the job is recorded and the thread is validating, before the write commits.
  while (child.exitCode === null && !existsSync(join(dataDir(), 'orchard.db'))) await sleep(20)
  while (child.exitCode === null && !read<{ n: number } | undefined>(`SELECT 1 AS n FROM jobs WHERE id = '${jobId}'`)) await sleep(20)
  await sleep(150)
  expect(child.exitCode).toBeNull()
  child.kill('SIGKILL')
  await exited

  // As the crash left it: nothing of the import written, the job interrupted.
  expect(read<{ n: number }>('SELECT COUNT(*) AS n FROM customers').n).toBe(0)
  const listed = runOrchard(['import', 'resume', jobId, '--json'], dataDir())
  expect(listed.code, listed.err).toBe(0)
  expect(JSON.parse(listed.out)).toMatchObject({ committed: true, mode: 'valid-rows', inserted: ROWS, rejectedRows: 0 })
  expect(read<{ n: number; phones: number }>('SELECT COUNT(*) AS n, COUNT(DISTINCT phones) AS phones FROM customers')).toEqual({ n: ROWS, phones: ROWS })
  expect(read<{ status: string; runs: number }>(`SELECT status, runs FROM jobs WHERE id = '${jobId}'`)).toEqual({ status: 'done', runs: 2 })

  // Finished: resuming again is refused and writes nothing.
  const again = runOrchard(['import', 'resume', jobId, '--json'], dataDir())
  expect(again.code).toBe(2)
  expect(JSON.parse(again.out).error).toMatchObject({ code: 'job_finished', details: { jobId } })
  expect(read<{ n: number }>('SELECT COUNT(*) AS n FROM customers').n).toBe(ROWS)
}, 120_000)
