import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto'
import type { Profile, SessionInfo } from '../../../src-shared/contracts/lifecycle'
import { OrchardError } from '../../../src-shared/errors'
import { seesContacts } from '../../../src-shared/permissions'
import { ROLE_LABELS, type Role, type Session } from '../../../src-shared/roles'
import type { CoreContext, ServiceHandlers } from '../context'
import type { Db } from '../db/connection'
import { PROFILES, toProfile, type ProfileRow } from '../db/tables/lifecycle'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { permissionsOf, requirePermission } from '../permissions'
import { actorOf, appendAudit } from '../audit/audit'

/** Wrong PINs in a row before a profile locks, and for how long. */
export const MAX_PIN_ATTEMPTS = 5
export const LOCK_MINUTES = 5

/**
 * scrypt with N = 2^15: about 50 ms and 32 MB per guess, so a stolen database does not
 * give up 4-digit PINs in the blink of an eye. The parameters are stored with each hash.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keylen: 32 }
interface PinParams {
  N: number
  r: number
  p: number
  keylen: number
}
const maxmem = (p: PinParams) => 128 * p.N * p.r * 2

export function hashPinSync(pin: string, salt = randomBytes(16)): { hash: string; salt: string; params: string } {
  const key = scryptSync(pin.normalize('NFKC'), salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: maxmem(SCRYPT) })
  return { hash: key.toString('base64'), salt: salt.toString('base64'), params: JSON.stringify(SCRYPT) }
}

function derive(pin: string, salt: Buffer, p: PinParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pin.normalize('NFKC'), salt, p.keylen, { N: p.N, r: p.r, p: p.p, maxmem: maxmem(p) }, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

export async function hashPin(pin: string): Promise<{ hash: string; salt: string; params: string }> {
  const salt = randomBytes(16)
  const key = await derive(pin, salt, SCRYPT)
  return { hash: key.toString('base64'), salt: salt.toString('base64'), params: JSON.stringify(SCRYPT) }
}

async function pinMatches(pin: string, row: ProfileRow): Promise<boolean> {
  const params = JSON.parse(row.pin_params) as PinParams
  const expected = Buffer.from(row.pin_hash, 'base64')
  const actual = await derive(pin, Buffer.from(row.pin_salt, 'base64'), params)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

function profileRow(db: Db, id: string): ProfileRow {
  const row = db.prepare('SELECT * FROM profiles WHERE id = ?').get(id) as ProfileRow | undefined
  if (!row) throw new OrchardError('not_found', `档案不存在 / profile not found: ${id}`, { id })
  return row
}

/**
 * The profile a workstation starts on: the one marked default, else the least privileged
 * (an operator before a trainer before a manager), oldest first.
 */
export function defaultProfile(db: Db): ProfileRow | undefined {
  return db
    .prepare(
      `SELECT * FROM profiles
        ORDER BY is_default DESC, CASE role WHEN 'operator' THEN 0 WHEN 'trainer' THEN 1 ELSE 2 END, created_at, id
        LIMIT 1`,
    )
    .get() as ProfileRow | undefined
}

export const SYSTEM_SESSION: Session = { profileId: null, role: 'system', name: '系统 / system' }
const NOBODY: Session = { profileId: null, role: null, name: null }

/** Puts the workstation's default profile at the keyboard (or nobody, when none exists yet). */
export function startSession(ctx: CoreContext): void {
  if (ctx.host === 'cli') {
    ctx.session = { ...SYSTEM_SESSION }
    return
  }
  const row = defaultProfile(ctx.db)
  ctx.session = row ? { profileId: row.id, role: row.role, name: row.name } : { ...NOBODY }
}

/**
 * Keeps the session honest with the database: a profile removed, renamed or given
 * another role (by a restore or another window) is reflected before any check.
 */
export function refreshSession(ctx: CoreContext): void {
  const s = ctx.session
  if (s.role === 'system') return
  if (!s.profileId) {
    if (s.role === null && defaultProfile(ctx.db)) startSession(ctx)
    return
  }
  const row = ctx.db.prepare('SELECT id, name, role FROM profiles WHERE id = ?').get(s.profileId) as { id: string; name: string; role: Role } | undefined
  if (!row) startSession(ctx)
  else if (row.role !== s.role || row.name !== s.name) ctx.session = { profileId: row.id, role: row.role, name: row.name }
}

export function sessionInfo(ctx: CoreContext): SessionInfo {
  refreshSession(ctx)
  const s = ctx.session
  const setupNeeded = s.role !== 'system' && !(ctx.db.prepare('SELECT 1 FROM profiles LIMIT 1').get() as unknown)
  return {
    profileId: s.profileId,
    role: s.role,
    name: s.name,
    permissions: permissionsOf(s.role),
    seesContacts: seesContacts(s.role),
    setupNeeded,
  }
}

function emitSession(ctx: CoreContext): SessionInfo {
  const info = sessionInfo(ctx)
  ctx.emit('session.changed', info)
  return info
}

function managers(db: Db): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM profiles WHERE role = 'manager'").get() as { n: number }).n
}

function setDefault(db: Db, id: string): void {
  db.prepare('UPDATE profiles SET is_default = CASE WHEN id = ? THEN 1 ELSE 0 END').run(id)
}

function auditView(p: Profile): Record<string, unknown> {
  return { name: p.name, role: p.role, isDefault: p.isDefault }
}

export function insertProfile(db: Db, input: { id?: string; name: string; role: Role; pin: { hash: string; salt: string; params: string }; isDefault: boolean }, now: Date): ProfileRow {
  const id = input.id ?? newId()
  const at = now.toISOString()
  insertRow(db, PROFILES, {
    id,
    name: input.name,
    role: input.role,
    pin_hash: input.pin.hash,
    pin_salt: input.pin.salt,
    pin_params: input.pin.params,
    is_default: 0,
    failed_attempts: 0,
    locked_until: null,
    last_sign_in_at: null,
    created_at: at,
    updated_at: at,
  })
  if (input.isDefault) setDefault(db, id)
  return profileRow(db, id)
}

function duplicateName(db: Db, name: string, except?: string): void {
  const clash = db.prepare('SELECT id FROM profiles WHERE name = ? AND id IS NOT ?').get(name, except ?? null)
  if (clash) throw new OrchardError('duplicate', `已有同名档案「${name}」/ a profile named ${name} already exists`, { field: 'name', value: name })
}

export const profilesHandlers: ServiceHandlers<'profiles'> = {
  session: (_input, ctx) => sessionInfo(ctx),

  list: (_input, ctx) => {
    const now = ctx.clock.now()
    return (ctx.db.prepare("SELECT * FROM profiles ORDER BY CASE role WHEN 'manager' THEN 0 WHEN 'trainer' THEN 1 ELSE 2 END, name").all() as ProfileRow[]).map((r) =>
      toProfile(r, now),
    )
  },

  switch: async ({ profileId, pin }, ctx) => {
    const db = ctx.db
    const now = ctx.clock.now()
    const row = profileRow(db, profileId)
    if (row.locked_until && row.locked_until > now.toISOString()) {
      throw new OrchardError(
        'profile_locked',
        `「${row.name}」因多次输错 PIN 已锁定，请于 ${new Date(row.locked_until).toLocaleTimeString('zh-CN', { timeZone: ctx.timezone(), hour12: false })} 后再试 / ${row.name} is locked after too many wrong PINs; try again later`,
        { profileId, lockedUntil: row.locked_until },
      )
    }
    // A lock that has run out starts a fresh count.
    const attempts = row.locked_until ? 0 : row.failed_attempts
    if (!/^\d{4,8}$/.test(pin) || !(await pinMatches(pin, row))) {
      const failed = attempts + 1
      if (failed >= MAX_PIN_ATTEMPTS) {
        const until = new Date(now.getTime() + LOCK_MINUTES * 60_000).toISOString()
        db.transaction(() => {
          db.prepare('UPDATE profiles SET failed_attempts = ?, locked_until = ? WHERE id = ?').run(failed, until, profileId)
          appendAudit(db, actorOf(ctx), { kind: 'profile.locked', entity: 'profile', entityId: profileId, summary: `「${row.name}」连续 ${failed} 次输错 PIN，锁定 ${LOCK_MINUTES} 分钟 / locked after ${failed} wrong PINs` }, now)
        })()
        throw new OrchardError(
          'profile_locked',
          `PIN 错误次数过多，「${row.name}」已锁定 ${LOCK_MINUTES} 分钟 / too many wrong PINs: ${row.name} is locked for ${LOCK_MINUTES} minutes`,
          { profileId, lockedUntil: until, attemptsLeft: 0 },
        )
      }
      db.prepare('UPDATE profiles SET failed_attempts = ?, locked_until = NULL WHERE id = ?').run(failed, profileId)
      throw new OrchardError('pin_wrong', `PIN 不正确，还可再试 ${MAX_PIN_ATTEMPTS - failed} 次 / wrong PIN, ${MAX_PIN_ATTEMPTS - failed} attempts left`, {
        profileId,
        field: 'pin',
        attemptsLeft: MAX_PIN_ATTEMPTS - failed,
      })
    }
    db.transaction(() => {
      db.prepare('UPDATE profiles SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ? WHERE id = ?').run(now.toISOString(), profileId)
      appendAudit(db, { id: row.id, name: row.name, role: row.role }, { kind: 'profile.signed_in', entity: 'profile', entityId: row.id, summary: `「${row.name}」（${ROLE_LABELS[row.role].zh}）开始使用工作台 / ${row.name} signed in` }, now)
    })()
    ctx.session = { profileId: row.id, role: row.role, name: row.name }
    return emitSession(ctx)
  },

  signOut: (_input, ctx) => {
    startSession(ctx)
    return emitSession(ctx)
  },

  create: async (input, ctx) => {
    const db = ctx.db
    const firstProfile = !(db.prepare('SELECT 1 FROM profiles LIMIT 1').get() as unknown)
    if (firstProfile) {
      if (input.role !== 'manager') {
        throw new OrchardError('first_profile_manager', '工作台的第一个档案必须是管理者 / the first profile of a workstation must be a manager', { field: 'role', value: input.role })
      }
    } else requirePermission(ctx, 'profiles.manage', 'profiles.create') // once the workstation has its manager, only a manager adds profiles
    duplicateName(db, input.name)
    const pin = await hashPin(input.pin)
    const now = ctx.clock.now()
    const row = db.transaction(() => {
      const created = insertProfile(db, { name: input.name, role: input.role, pin, isDefault: input.isDefault }, now)
      const profile = toProfile(created, now)
      const actor = firstProfile ? { id: created.id, name: created.name, role: created.role } : actorOf(ctx)
      appendAudit(db, actor, { kind: 'profile.created', entity: 'profile', entityId: created.id, summary: `新建档案「${created.name}」（${ROLE_LABELS[created.role].zh}）/ profile ${created.name} created`, after: auditView(profile) }, now)
      return created
    })()
    if (firstProfile) {
      ctx.session = { profileId: row.id, role: row.role, name: row.name }
      emitSession(ctx)
    }
    return toProfile(row, now)
  },

  update: ({ id, patch }, ctx) => {
    const db = ctx.db
    const now = ctx.clock.now()
    const before = profileRow(db, id)
    if (patch.name !== undefined) duplicateName(db, patch.name, id)
    if (patch.role !== undefined && patch.role !== 'manager' && before.role === 'manager' && managers(db) <= 1) {
      throw new OrchardError('last_manager', '至少保留一位管理者 / at least one manager must remain', { field: 'role', value: patch.role })
    }
    const after = db.transaction(() => {
      db.prepare('UPDATE profiles SET name = COALESCE(?, name), role = COALESCE(?, role), updated_at = ? WHERE id = ?').run(patch.name ?? null, patch.role ?? null, now.toISOString(), id)
      if (patch.isDefault === true) setDefault(db, id)
      if (patch.isDefault === false) db.prepare('UPDATE profiles SET is_default = 0 WHERE id = ?').run(id)
      const row = profileRow(db, id)
      appendAudit(db, actorOf(ctx), {
        kind: 'profile.updated',
        entity: 'profile',
        entityId: id,
        summary: `修改档案「${row.name}」/ profile ${row.name} changed`,
        before: auditView(toProfile(before, now)),
        after: auditView(toProfile(row, now)),
      }, now)
      return row
    })()
    refreshSession(ctx)
    if (ctx.session.profileId === id) emitSession(ctx)
    return toProfile(after, now)
  },

  setPin: async ({ id, pin, currentPin }, ctx) => {
    refreshSession(ctx)
    const db = ctx.db
    const row = profileRow(db, id)
    const own = ctx.session.profileId === id
    if (own) {
      // Changing one's own PIN proves the current one, managers included.
      if (!currentPin || !(await pinMatches(currentPin, row))) {
        throw new OrchardError('pin_wrong', '当前 PIN 不正确 / the current PIN is wrong', { field: 'currentPin' })
      }
    } else requirePermission(ctx, 'profiles.manage', 'profiles.setPin', { profileId: id }) // a forgotten PIN is a manager's to reset
    const hashed = await hashPin(pin)
    const now = ctx.clock.now()
    db.transaction(() => {
      db.prepare('UPDATE profiles SET pin_hash = ?, pin_salt = ?, pin_params = ?, failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE id = ?').run(
        hashed.hash,
        hashed.salt,
        hashed.params,
        now.toISOString(),
        id,
      )
      appendAudit(db, actorOf(ctx), { kind: 'profile.pin_changed', entity: 'profile', entityId: id, summary: `修改「${row.name}」的 PIN / PIN of ${row.name} changed` }, now)
    })()
    return { ok: true as const }
  },

  unlock: ({ id }, ctx) => {
    const db = ctx.db
    const now = ctx.clock.now()
    const row = profileRow(db, id)
    db.transaction(() => {
      db.prepare('UPDATE profiles SET failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE id = ?').run(now.toISOString(), id)
      appendAudit(db, actorOf(ctx), { kind: 'profile.unlocked', entity: 'profile', entityId: id, summary: `解锁档案「${row.name}」/ profile ${row.name} unlocked` }, now)
    })()
    return toProfile(profileRow(db, id), now)
  },

  remove: ({ id }, ctx) => {
    const db = ctx.db
    const now = ctx.clock.now()
    const row = profileRow(db, id)
    if (row.role === 'manager' && managers(db) <= 1) throw new OrchardError('last_manager', '至少保留一位管理者 / at least one manager must remain', { id })
    if (ctx.session.profileId === id) throw new OrchardError('profile_in_use', '不能删除正在使用的档案 / you cannot remove the profile you are using', { id })
    db.transaction(() => {
      db.prepare('DELETE FROM profiles WHERE id = ?').run(id)
      appendAudit(db, actorOf(ctx), { kind: 'profile.removed', entity: 'profile', entityId: id, summary: `删除档案「${row.name}」/ profile ${row.name} removed`, before: auditView(toProfile(row, now)) }, now)
    })()
    return { ok: true as const }
  },
}
