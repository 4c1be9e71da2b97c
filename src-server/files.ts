import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { MAX_TEAM_FILE_BYTES } from '../src-shared/recordsProtocol'
import type { DeviceIdentity } from './devices'
import { HttpError } from './errors'
import type { Storage } from './storage'

/**
 * The team's files, by content (a buyer photo's image, a product's picture): a record names
 * a file by its SHA-256, and the file itself is kept here once per team.
 *
 *   PUT /v1/files/:sha256   the bytes (application/octet-stream); checked against the hash and the size limit
 *   GET /v1/files/:sha256   the bytes, to a device of the same team
 *
 * Kept in the server's database (bytea) rather than its data folder: stored in the same
 * transaction-safe place as the records that name them, backed up and restored with them,
 * reachable by every server process that shares one PostgreSQL, and scoped by team in the
 * key like every other row — one team can neither read nor learn of another's files.
 * A file already held is answered as stored again (a repeat after a lost reply).
 */

/** The largest file the team server takes (a photo as a phone sends it fits well): the workstations' limit too. */
export const MAX_FILE_BYTES = MAX_TEAM_FILE_BYTES

const SHA256 = /^[0-9a-f]{64}$/

function hashOf(req: FastifyRequest): string {
  const sha = (req.params as { sha256?: string }).sha256 ?? ''
  if (!SHA256.test(sha)) {
    throw new HttpError(400, 'invalid_hash', `文件名须是 64 位小写十六进制的 SHA-256：${sha.slice(0, 80)} / a file is named by its SHA-256 as 64 lowercase hex digits`, { field: 'sha256', value: sha.slice(0, 80) })
  }
  return sha
}

export function registerFiles(app: FastifyInstance, storage: Storage, device: (req: FastifyRequest) => Promise<DeviceIdentity>): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_FILE_BYTES }, (_req, body, done) => done(null, body))

    scope.put('/v1/files/:sha256', async (req) => {
      const d = await device(req)
      const sha = hashOf(req)
      const bytes = req.body
      if (!Buffer.isBuffer(bytes) || bytes.length === 0) {
        throw new HttpError(400, 'invalid_file', '请以 application/octet-stream 发送文件内容 / send the file as application/octet-stream bytes', { field: 'body' })
      }
      const actual = createHash('sha256').update(bytes).digest('hex')
      if (actual !== sha) {
        throw new HttpError(400, 'hash_mismatch', `文件内容与其 SHA-256 不符（收到 ${actual}）/ the bytes do not match their SHA-256 (got ${actual})`, { expected: sha, actual, size: bytes.length })
      }
      const stored = await storage.query<{ sha256: string }>(
        `INSERT INTO team_files (team, sha256, bytes, size, device_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (team, sha256) DO NOTHING RETURNING sha256`,
        [d.team, sha, bytes, bytes.length, d.id],
      )
      return { sha256: sha, size: bytes.length, stored: stored.length === 1 }
    })

    scope.get('/v1/files/:sha256', async (req, reply) => {
      const d = await device(req)
      const sha = hashOf(req)
      const [row] = await storage.query<{ bytes: Uint8Array }>('SELECT bytes FROM team_files WHERE team = $1 AND sha256 = $2', [d.team, sha])
      if (!row) throw new HttpError(404, 'file_not_found', `团队服务器上没有这个文件：${sha} / the team server holds no such file: ${sha}`, { sha256: sha })
      return reply.type('application/octet-stream').send(Buffer.from(row.bytes))
    })
  })
}
