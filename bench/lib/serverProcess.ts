import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** What a benchmark undoes when it ends, last first (a stopped server, a dropped database). */
export type Cleanups = { what: string; undo: () => void | Promise<void> }[]

export interface ServerChild {
  url: string
  child: ChildProcess
  /** A call of the server's admin API with the token the server wrote for its owner. */
  admin<T>(method: string, path: string, body?: unknown): Promise<T>
  /** An enrolment code for a workstation of `team`. */
  code(team: string): Promise<string>
}

const bin = join(import.meta.dirname, '..', '..', 'bin', 'orchard.mjs')

/**
 * `orchard server` as a team runs it, on loopback, over PostgreSQL at `databaseUrl` (PGlite in
 * `dataDir` without one): answers once the server printed where it listens, and stops it when
 * the benchmark cleans up.
 */
export function spawnServer(dataDir: string, databaseUrl: string | undefined, cleanups: Cleanups): Promise<ServerChild> {
  const args = [bin, 'server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--json', ...(databaseUrl ? ['--database-url', databaseUrl] : [])]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  cleanups.push({
    what: 'stop the sync server',
    undo: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done()
        child.once('exit', () => done())
        child.kill('SIGTERM')
      }),
  })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  return new Promise((resolve, reject) => {
    let buffered = ''
    const failed = (code: number | null) => reject(new Error(`orchard server exited (${code}): ${stderr}`))
    child.once('exit', failed)
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const line = buffered.split('\n').find((l) => l.startsWith('{'))
      if (!line) return
      child.stdout.removeAllListeners('data')
      child.off('exit', failed)
      const info = JSON.parse(line) as { url: string; adminTokenFile: string }
      const token = readFileSync(info.adminTokenFile, 'utf8').trim()
      async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
        const res = await fetch(info.url + path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        })
        const text = await res.text()
        if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
        return JSON.parse(text) as T
      }
      resolve({
        url: info.url,
        child,
        admin,
        code: async (team) => (await admin<{ code: string }>('POST', '/v1/admin/enrolment-codes', { team })).code,
      })
    })
  })
}
