import { SchemeRules, type Scheme } from '../../../src-shared/contracts/ledger'
import { bilingualHalf } from '../../../src-shared/bilingual'
import { OrchardError } from '../../../src-shared/errors'
import { STUDIO_SETTINGS } from '../../../src-shared/recordsProtocol'
import type { Db } from '../db/connection'
import { SCHEME_LIST_SELECT, SCHEME_SELECT, toScheme, toSchemeVersion, type SchemeRow, type SchemeVersionRow } from '../db/tables/ledger'
import { newId } from '../ids'
import { recordChange, type ChangeSource, type ChangeWriter } from '../records/changes'
import { blockingFindings } from '../records/schemeCompliance'
import { workstationId } from '../workstation'

// The compliance check lives beside the records (a pulled version goes through it too).
export { checkScheme, MAX_TIERS, productsWithRates, rateTable, WHOLE_SALE_BP, type ProductRates } from '../records/schemeCompliance'

/**
 * Every scheme; one whose current version is not held here (the compliance check refused
 * it) is listed with why, and used with no version; one whose current version waits for
 * the team server is listed with the version used meanwhile.
 */
export function listSchemes(db: Db): Scheme[] {
  return (db.prepare(`${SCHEME_LIST_SELECT} ORDER BY active DESC, s.updated_at DESC`).all() as SchemeRow[]).map((row) => schemeOf(db, row))
}

/** A scheme as this workstation uses it: blocked, waiting for the team, or its current version. */
function schemeOf(db: Db, row: SchemeRow): Scheme {
  if (row.rules === null) return toScheme(row, { blocked: versionNotHeld(db, row) })
  if (!isWaiting(db, row.id, row.current_version)) return toScheme(row)
  const used = acceptedVersion(db, row.id, row.current_version)
  return toScheme(row, { waiting: waitingReason(row, used?.version ?? null), usedVersion: used?.version ?? null })
}

/** A scheme sales can be posted with: the version used here (its current one, or the last the team accepted while that one waits) is held here. */
export type UsableScheme = Scheme & { rules: SchemeRules }

/**
 * Whether version `version` of a scheme the team already holds was saved on this
 * workstation, which is enrolled with the team, and waits in its outbox for the server.
 * Until the server takes it, the team may hold another version of that number (two
 * managers apart may both have saved "version 2"; the server keeps the first): sales are
 * not posted with it, so a version the team refuses never moved money. A scheme the team
 * does not know yet (its creation waits too) has no version anyone else could have taken.
 */
function isWaiting(db: Db, schemeId: string, version: number): boolean {
  return (
    db
      .prepare(
        `SELECT 1 FROM sync_state s WHERE s.id = 1 AND s.server_url IS NOT NULL AND s.token IS NOT NULL
            AND EXISTS (SELECT 1 FROM record_changes c WHERE c.record = 'schemeVersion' AND c.record_id = ? AND c.seq > s.records_pushed)
            AND NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.record = 'scheme' AND c.record_id = ? AND c.op = 'create' AND c.seq > s.records_pushed)`,
      )
      .get(schemeVersionId(schemeId, version), schemeId) !== undefined
  )
}

/** The latest version below `below` of a scheme that the team holds (not waiting), if any: what sales are posted with meanwhile. */
function acceptedVersion(db: Db, schemeId: string, below: number): { version: number; rules: string } | undefined {
  const versions = db
    .prepare('SELECT version, rules FROM commission_scheme_versions WHERE scheme_id = ? AND version < ? ORDER BY version DESC')
    .all(schemeId, below) as { version: number; rules: string }[]
  return versions.find((v) => !isWaiting(db, schemeId, v.version))
}

function waitingReason(row: SchemeRow, used: number | null): string {
  return used === null
    ? `佣金方案「${row.name}」第 ${row.current_version} 版在团队服务器接受后生效，在此之前不记佣金 / Version ${row.current_version} of the commission scheme ${row.name} takes effect once the team server accepts it; until then no commission is posted with it`
    : `佣金方案「${row.name}」第 ${row.current_version} 版在团队服务器接受后生效，在此之前按第 ${used} 版记佣金 / Version ${row.current_version} of the commission scheme ${row.name} takes effect once the team server accepts it; until then sales are posted with version ${used}`
}

const ACTIVE = 'WHERE s.id = (SELECT active_scheme FROM studio_settings)'

/**
 * The scheme new sales are posted with, or null when the studio has none yet or its
 * current version is not held here: no other version stands in for it (schemeBlocked says
 * why). While its current version waits for the team server, the last version the team
 * accepted stands in (`version`, `rules`), or none when it has accepted none yet.
 */
export function activeScheme(db: Db): UsableScheme | null {
  const row = db.prepare(`${SCHEME_SELECT} ${ACTIVE}`).get() as SchemeRow | undefined
  if (!row) return null
  const scheme = schemeOf(db, row)
  if (scheme.waiting === null) return scheme as UsableScheme
  if (scheme.usedVersion === null) return null
  const used = acceptedVersion(db, row.id, row.current_version)!
  return { ...scheme, version: used.version, rules: SchemeRules.parse(JSON.parse(used.rules)) }
}

/** Why the active scheme posts nothing here (中文 / English), naming it and its current version, or null when it is used or there is none. */
export function schemeBlocked(db: Db): string | null {
  const row = db.prepare(`${SCHEME_LIST_SELECT} ${ACTIVE}`).get() as SchemeRow | undefined
  if (!row) return null
  if (row.rules !== null) {
    const scheme = schemeOf(db, row)
    return scheme.waiting !== null && scheme.usedVersion === null
      ? `启用的佣金方案「${row.name}」第 ${row.current_version} 版在团队服务器接受后生效，订单暂未记佣金` +
          ` / the active commission scheme ${row.name} version ${row.current_version} takes effect once the team server accepts it, orders were not posted yet`
      : null
  }
  const why = versionNotHeld(db, row)
  return (
    `启用的佣金方案「${row.name}」第 ${row.current_version} 版未在此工作站采用，订单未记佣金：${bilingualHalf(why, 'zh')}` +
    ` / the active commission scheme ${row.name} version ${row.current_version} is not used on this workstation, orders were not posted: ${bilingualHalf(why, 'en')}`
  )
}

/** Sales were posted with an earlier version while the active scheme's current one waits for the team server: why (中文 / English), or null. */
export function schemeWaiting(db: Db): string | null {
  const row = db.prepare(`${SCHEME_SELECT} ${ACTIVE}`).get() as SchemeRow | undefined
  const scheme = row ? schemeOf(db, row) : null
  return scheme && scheme.waiting !== null && scheme.usedVersion !== null ? scheme.waiting : null
}

/** Why a scheme's current version is not held here: the reason the sync kept when it did not take it, else that it has not arrived. */
function versionNotHeld(db: Db, row: SchemeRow): string {
  const issue = db
    .prepare(`SELECT reason FROM sync_record_issues WHERE kind = 'not_applied' AND record = 'schemeVersion' AND record_id = ? ORDER BY id DESC LIMIT 1`)
    .get(schemeVersionId(row.id, row.current_version)) as { reason: string } | undefined
  return (
    issue?.reason ??
    `团队的佣金方案「${row.name}」第 ${row.current_version} 版不在此工作站，不用它计算佣金 / the team's commission scheme ${row.name} version ${row.current_version} is not on this workstation; no commission is posted with it`
  )
}

export function schemeVersions(db: Db, id: string) {
  const rows = db
    .prepare('SELECT * FROM commission_scheme_versions WHERE scheme_id = ? ORDER BY version DESC')
    .all(id) as SchemeVersionRow[]
  if (!rows.length) throw new OrchardError('not_found', `没有这个佣金方案 / no such commission scheme: ${id}`, { field: 'id', value: id })
  return rows.map(toSchemeVersion)
}

/** A version's record id: the scheme and the version number, the same on every workstation. */
export const schemeVersionId = (schemeId: string, version: number) => `${schemeId}:${version}`

/**
 * Saves the rules as a new version (versions are never edited: entries name the
 * version they were computed with). Blocking findings refuse the save. The scheme, the
 * version and the choice of the active scheme are shared records: written through the
 * one write path in the same transaction (only a manager may), so the team posts every
 * sale with the same rules.
 */
export function saveScheme(w: ChangeWriter, input: { id?: string; name: string; rules: SchemeRules; note: string; activate: boolean }): Scheme {
  const db = w.db
  const now = w.at.toISOString()
  const by = w.actor.name ?? w.actor.role ?? 'system'
  // The demo's people are invented: its records are recorded for the team, not audited (see recordSeed).
  const invented = w.source === 'demo'
  const blocked = blockingFindings(db, input.rules)
  if (blocked) {
    throw new OrchardError('scheme_not_compliant', `佣金方案不合规，未保存：${blocked.message.replace(' / ', ' / the scheme was not saved: ')}`, {
      field: blocked.findings.find((f) => f.severity === 'blocking')!.field,
      findings: blocked.findings,
    })
  }
  return db.transaction(() => {
    let id = input.id
    let version = 1
    const before = id ? (db.prepare('SELECT name, current_version FROM commission_schemes WHERE id = ?').get(id) as { name: string; current_version: number } | undefined) : undefined
    if (id) {
      if (!before) throw new OrchardError('not_found', `没有这个佣金方案 / no such commission scheme: ${id}`, { field: 'id', value: id })
      version = before.current_version + 1
    } else {
      id = newId()
      db.prepare('INSERT INTO commission_schemes (id, name, current_version, active, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)').run(id, input.name, version, now, now)
      recordChange(w, { record: 'scheme', id, label: input.name, op: 'create', after: { name: input.name, currentVersion: version }, audited: invented })
    }
    const versionId = schemeVersionId(id, version)
    db.prepare(
      'INSERT INTO commission_scheme_versions (id, scheme_id, version, name, rules, note, saved_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(versionId, id, version, input.name, JSON.stringify(input.rules), input.note, now, by, now, now)
    recordChange(w, {
      record: 'schemeVersion',
      id: versionId,
      label: `${input.name} v${version}`,
      op: 'create',
      after: { schemeId: id, version, name: input.name, rules: input.rules, note: input.note, savedAt: now, createdBy: by },
      audited: invented,
    })
    if (before) {
      db.prepare('UPDATE commission_schemes SET name = ?, current_version = ?, updated_at = ? WHERE id = ?').run(input.name, version, now, id)
      recordChange(w, {
        record: 'scheme',
        id,
        label: input.name,
        op: 'update',
        before: { name: before.name, currentVersion: before.current_version },
        after: { name: input.name, currentVersion: version },
        audited: invented,
      })
    }
    if (input.activate) activateScheme(w, id, invented)
    return schemeOf(db, db.prepare(`${SCHEME_SELECT} WHERE s.id = ?`).get(id) as SchemeRow)
  })()
}

/**
 * The studio's own schemes (the demo's, a test team's) are a manager's decision like any
 * other: written as the studio's first manager profile, or as a manager named `name` when
 * it has none yet.
 */
export function managerWriter(db: Db, at: Date, source: ChangeSource, name: string): ChangeWriter {
  const manager = db.prepare(`SELECT id, name FROM profiles WHERE role = 'manager' ORDER BY created_at LIMIT 1`).get() as { id: string; name: string } | undefined
  return { db, role: 'manager', actor: { id: manager?.id ?? null, name: manager?.name ?? name, role: 'manager' }, at, source, txId: newId(), workstation: workstationId(db) }
}

/** Makes `id` the scheme new sales are posted with: the studio's setting, through the one write path. */
function activateScheme(w: ChangeWriter, id: string, invented: boolean): void {
  const held = (w.db.prepare('SELECT active_scheme FROM studio_settings').get() as { active_scheme: string | null }).active_scheme
  if (held === id) return
  w.db.prepare('UPDATE studio_settings SET active_scheme = ?').run(id)
  recordChange(w, { record: 'setting', id: STUDIO_SETTINGS, label: '工作台设置 / studio settings', op: 'update', before: { activeScheme: held }, after: { activeScheme: id }, audited: invented })
}

/** The studio's default: honest, two tiers, the mentor well below the seller. */
export const DEFAULT_SCHEME_RULES: SchemeRules = {
  tiers: 2,
  sellerBp: [1000, 1200, 1500],
  mentorBp: [0, 200, 300],
  categories: [],
  useProductRates: true,
  perRecruitFen: 0,
  feeShareBp: 0,
  joinFeeRequired: false,
}
