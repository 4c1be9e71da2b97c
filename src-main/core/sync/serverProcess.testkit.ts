import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LedgerStatus } from '../../../src-shared/ledgerWire'
import type { StatusChangeResponse, TeamSummary } from '../../../src-shared/syncProtocol'

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'orchard.mjs')

/**
 * The team's sync server as the workstation meets it: another process, reached over
 * HTTP only (`orchard server`, PGlite in its own data folder, or the PostgreSQL at
 * `databaseUrl`). The core's tests never import the server's code; they talk to it like a
 * workstation does.
 */
export interface ServerProcess {
  url: string
  port: number
  adminToken: string
  child: ChildProcess
  admin<T>(method: string, path: string, body?: unknown): Promise<T>
  /** A one-time code for `team`, for a device acting for `role` at most (the manager by default). */
  code(team: string, role?: 'manager' | 'operator' | 'trainer'): Promise<string>
  summary(team: string): Promise<TeamSummary>
  setStatus(team: string, changes: { entryId: string; status: LedgerStatus }[]): Promise<StatusChangeResponse>
  stop(signal?: NodeJS.Signals): Promise<void>
}

export function spawnSyncServer(dataDir: string, port = 0, databaseUrl?: string): Promise<ServerProcess> {
  const database = databaseUrl ? ['--database-url', databaseUrl] : []
  const child = spawn(process.execPath, [bin, 'server', '--port', String(port), '--host', '127.0.0.1', '--json', '--data-dir', dataDir, ...database], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  return new Promise((resolve, reject) => {
    let buffered = ''
    const failed = (code: number | null) => reject(new Error(`orchard server exited (${code}): ${stderr}`))
    child.once('exit', failed)
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const line = buffered.split('\n').find((l) => l.startsWith('{'))
      if (!line) return
      child.off('exit', failed)
      const info = JSON.parse(line) as { url: string; port: number; adminTokenFile: string }
      const adminToken = readFileSync(info.adminTokenFile, 'utf8').trim()
      const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const res = await fetch(info.url + path, {
          method,
          headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        })
        const json = (await res.json()) as T
        if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
        return json
      }
      resolve({
        url: info.url,
        port: info.port,
        adminToken,
        child,
        admin,
        code: async (team, role) => (await admin<{ code: string }>('POST', '/v1/admin/enrolment-codes', { team, ...(role ? { role } : {}) })).code,
        summary: (team) => admin<TeamSummary>('GET', `/v1/admin/summary?team=${encodeURIComponent(team)}`),
        setStatus: (team, changes) => admin<StatusChangeResponse>('POST', '/v1/admin/status', { team, changes }),
        stop: (signal = 'SIGTERM') =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done()
            child.once('exit', () => done())
            child.kill(signal)
          }),
      })
    })
  })
}
