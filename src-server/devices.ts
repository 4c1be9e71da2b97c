import type { CreateCodeResponse, DeviceInfo, EnrolRequest, EnrolResponse } from '../src-shared/syncProtocol'
import type { Role } from '../src-shared/roles'
import { appendServerAudit } from './audit'
import { HttpError, unauthorized } from './errors'
import { lockTeam } from './teams'
import { hashSecret, newDeviceId, newEnrolmentCode, normaliseEnrolmentCode } from './secrets'
import type { SqlClient, Storage } from './storage'

/** A device the request's token belongs to. */
export interface DeviceIdentity {
  id: string
  team: string
  name: string
  /** The highest role it may act for (its enrolment code's). */
  role: Role
  /** The workstation it was enrolled from: its audit chain's name on the server. */
  workstationId: string | null
}

const iso = (v: unknown): string | null => (v == null ? null : new Date(v as string).toISOString())

export async function ensureTeam(db: SqlClient, team: string): Promise<void> {
  await db.query('INSERT INTO teams (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [team])
}

/** A one-time code for `team` (created when new); only its hash is stored. */
export async function createEnrolmentCode(storage: Storage, team: string, ttlMinutes: number, role: Role = 'manager'): Promise<CreateCodeResponse> {
  const code = newEnrolmentCode()
  const rows = await storage.transaction(async (tx) => {
    await ensureTeam(tx, team)
    return tx.query<{ expires_at: Date }>(
      `INSERT INTO enrolment_codes (code_hash, team, expires_at, role) VALUES ($1, $2, now() + make_interval(mins => $3::int), $4) RETURNING expires_at`,
      [hashSecret(normaliseEnrolmentCode(code)), team, ttlMinutes, role],
    )
  })
  return { code, team, role, expiresAt: iso(rows[0].expires_at)! }
}

/**
 * Trades a one-time code for a device whose token hash the workstation chose. The
 * code row is locked, so two workstations racing with the same code get one device
 * between them, never two; the same request again gets the same device.
 */
export async function enrolDevice(storage: Storage, serverId: string, request: EnrolRequest): Promise<EnrolResponse> {
  const codeHash = hashSecret(normaliseEnrolmentCode(request.code))
  const deviceId = newDeviceId()
  return storage.transaction(async (tx) => {
    const [code] = await tx.query<{ team: string; role: Role; used_at: Date | null; expired: boolean; device_id: string | null; token_hash: string | null }>(
      `SELECT c.team, c.role, c.used_at, c.expires_at <= now() AS expired, c.device_id, d.token_hash
         FROM enrolment_codes c LEFT JOIN devices d ON d.id = c.device_id WHERE c.code_hash = $1 FOR UPDATE OF c`,
      [codeHash],
    )
    if (!code) throw new HttpError(403, 'enrol_code_unknown', '注册码无效 / this enrolment code is not valid')
    // The same enrolment again (its reply was lost, or the network sent it twice): the same device.
    if (code.used_at && code.device_id && code.token_hash === request.tokenHash) return { serverId, team: code.team, deviceId: code.device_id }
    if (code.used_at) throw new HttpError(403, 'enrol_code_used', '注册码已被使用过，请向管理者索取新的注册码 / this enrolment code was already used; ask for a new one')
    if (code.expired) throw new HttpError(403, 'enrol_code_expired', '注册码已过期，请向管理者索取新的注册码 / this enrolment code has expired; ask for a new one')
    // The team's lock before the device row: the row's reference to the team holds a share
    // lock on it, and two enrolments each holding one while waiting for the other's deadlock.
    await lockTeam(tx, code.team)
    const taken = await tx.query('SELECT 1 FROM devices WHERE token_hash = $1', [request.tokenHash])
    if (taken.length) throw new HttpError(400, 'invalid_request', '设备令牌已被使用 / this device token is already in use')
    await tx.query('INSERT INTO devices (id, team, name, workstation_id, token_hash, role) VALUES ($1, $2, $3, $4, $5, $6)', [
      deviceId,
      code.team,
      request.deviceName,
      request.workstationId,
      request.tokenHash,
      code.role,
    ])
    await tx.query('UPDATE enrolment_codes SET used_at = now(), device_id = $2 WHERE code_hash = $1', [codeHash, deviceId])
    await appendServerAudit(tx, code.team, [
      {
        kind: 'device.enrolled',
        entity: 'device',
        entityId: deviceId,
        summary: `设备「${request.deviceName}」已注册（${code.role}）/ device ${request.deviceName} enrolled for ${code.role}s`,
        device: { id: deviceId, name: request.deviceName },
        details: { role: code.role, workstationId: request.workstationId ?? null },
      },
    ])
    return { serverId, team: code.team, deviceId }
  })
}

/** The device a bearer token belongs to; 401 when unknown or revoked (the workstation shows which). */
export async function authenticateDevice(db: SqlClient, token: string | undefined): Promise<DeviceIdentity> {
  if (!token) throw unauthorized('unauthorized', '缺少设备令牌 / no device token')
  const [row] = await db.query<{ id: string; team: string; name: string; role: Role; workstation_id: string | null; revoked_at: Date | null; stale: boolean }>(
    `SELECT id, team, name, role, workstation_id, revoked_at, (last_seen_at IS NULL OR last_seen_at < now() - interval '1 minute') AS stale
       FROM devices WHERE token_hash = $1`,
    [hashSecret(token)],
  )
  if (!row) throw unauthorized('unauthorized', '设备令牌无效 / unknown device token')
  if (row.revoked_at) throw unauthorized('device_revoked', `此设备已于 ${iso(row.revoked_at)} 被撤销，请重新注册 / this device was revoked; enrol it again`)
  // "Last seen" for the manager's device list, written at most once a minute per device.
  if (row.stale) await db.query('UPDATE devices SET last_seen_at = now() WHERE id = $1', [row.id])
  return { id: row.id, team: row.team, name: row.name, role: row.role, workstationId: row.workstation_id }
}

/** Revokes a device for good; the team's server chain records it (once: revoking again changes nothing). */
export async function revokeDevice(storage: Storage, deviceId: string): Promise<DeviceInfo> {
  return storage.transaction(async (tx) => {
    const [known] = await tx.query<{ team: string }>('SELECT team FROM devices WHERE id = $1', [deviceId])
    if (!known) throw new HttpError(404, 'device_unknown', `没有设备 ${deviceId} / no device ${deviceId}`, { deviceId })
    await lockTeam(tx, known.team)
    const revoked = await tx.query<DeviceRow>(`UPDATE devices SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING name`, [deviceId])
    if (revoked.length) {
      const name = revoked[0].name
      await appendServerAudit(tx, known.team, [
        { kind: 'device.revoked', entity: 'device', entityId: deviceId, summary: `设备「${name}」已被撤销 / device ${name} was revoked`, device: { id: deviceId, name } },
      ])
    }
    const rows = await tx.query<DeviceRow>('SELECT id, team, name, workstation_id, created_at, last_seen_at, revoked_at FROM devices WHERE id = $1', [deviceId])
    return deviceInfo(rows[0])
  })
}

export async function listDevices(db: SqlClient, team?: string): Promise<DeviceInfo[]> {
  const rows = await db.query<DeviceRow>(
    `SELECT id, team, name, workstation_id, created_at, last_seen_at, revoked_at FROM devices
      WHERE ($1::text IS NULL OR team = $1) ORDER BY team, created_at`,
    [team ?? null],
  )
  return rows.map(deviceInfo)
}

interface DeviceRow {
  id: string
  team: string
  name: string
  workstation_id: string | null
  created_at: Date
  last_seen_at: Date | null
  revoked_at: Date | null
}

const deviceInfo = (r: DeviceRow): DeviceInfo => ({
  id: r.id,
  team: r.team,
  name: r.name,
  workstationId: r.workstation_id,
  createdAt: iso(r.created_at)!,
  lastSeenAt: iso(r.last_seen_at),
  revokedAt: iso(r.revoked_at),
})
