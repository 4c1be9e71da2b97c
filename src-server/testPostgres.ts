import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A real PostgreSQL for the tests that need one whatever the machine (several server
 * instances sharing one database cannot be shown on PGlite, which is one process's):
 * DATABASE_URL when set (CI sets it), else a throwaway cluster made from the newest
 * /usr/lib/postgresql and removed afterwards. Without either the test fails and says
 * what to install; it is never skipped.
 */
export interface TestPostgres {
  /** A database URL in which test databases may be created. */
  adminUrl: string
  stop(): Promise<void>
}

function newestBin(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))
  return versions.length ? join(root, versions[0], 'bin') : null
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const a = probe.address()
      probe.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
    })
  })

export async function testPostgres(env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres> {
  if (env.DATABASE_URL) return { adminUrl: env.DATABASE_URL, stop: async () => undefined }
  const bin = newestBin()
  if (!bin) {
    throw new Error('这个测试需要 PostgreSQL：请安装（apt-get install postgresql）或设置 DATABASE_URL / this test needs PostgreSQL: install it or set DATABASE_URL')
  }
  const dir = mkdtempSync(join(tmpdir(), 'orchard-test-pg-'))
  // PostgreSQL refuses to run as root: the cluster then belongs to the `postgres` user.
  const as: string[] = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : []
  const run = (tool: string, args: string[]) => {
    const [cmd, ...pre] = [...as, join(bin, tool)]
    const r = spawnSync(cmd, [...pre, ...args], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr || r.stdout || r.error?.message}`)
  }
  if (as.length) spawnSync('chown', ['postgres', dir])
  const data = join(dir, 'data')
  mkdirSync(data, { recursive: true })
  if (as.length) spawnSync('chown', ['postgres', data])
  const port = await freePort()
  run('initdb', ['-D', data, '--username=orchard', '--auth=trust', '--encoding=UTF8', '--no-instructions'])
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start'])
  return {
    adminUrl: `postgres://orchard@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
