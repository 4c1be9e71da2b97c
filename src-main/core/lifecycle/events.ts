import { basename } from 'node:path'
import {
  ACTION_STATUS_LABELS,
  APPEAL_STATUS_LABELS,
  CARE_CHANNEL_LABELS,
  CARE_TASK_STATUS_LABELS,
  MEMBER_EVENT_LABELS,
  MEMBER_EVENT_TYPES,
  type MemberEvent,
  type MemberEventType,
  type TimelineEntry,
} from '../../../src-shared/contracts/lifecycle'
import { OrchardError } from '../../../src-shared/errors'
import type { RowError } from '../../../src-shared/located'
import type { Db } from '../db/connection'
import {
  MEMBER_EVENT_COLUMNS,
  MEMBER_EVENT_FROM,
  MEMBER_EVENTS,
  toMemberEvent,
  type AppealTableRow,
  type CareTaskTableRow,
  type MemberEventRow,
  type MemberEventTableRow,
  type RuleActionTableRow,
} from '../db/tables/lifecycle'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { readTable } from '../imports/read'
import { CellError, DateReader } from '../imports/values'
import { describeAction } from './rules'

export function memberExists(db: Db, id: string): { id: string; name: string; status: string } {
  const m = db.prepare('SELECT id, name, status FROM members WHERE id = ?').get(id) as { id: string; name: string; status: string } | undefined
  if (!m) throw new OrchardError('not_found', `会员不存在 / member not found: ${id}`, { field: 'memberId', value: id })
  return m
}

export function insertEvent(db: Db, e: { memberId: string; type: MemberEventType; occurredAt: string; note: string; source: string; recordedBy: string | null }, now: Date): MemberEvent {
  const id = newId()
  insertRow(db, MEMBER_EVENTS, { id, member_id: e.memberId, type: e.type, occurred_at: e.occurredAt, note: e.note, source: e.source, recorded_by: e.recordedBy, created_at: now.toISOString() })
  return getEvent(db, id)
}

export function getEvent(db: Db, id: string): MemberEvent {
  const row = db.prepare(`SELECT ${MEMBER_EVENT_COLUMNS} FROM ${MEMBER_EVENT_FROM} WHERE e.id = ?`).get(id) as MemberEventRow | undefined
  if (!row) throw new OrchardError('not_found', `事件不存在 / event not found: ${id}`, { id })
  return toMemberEvent(row)
}

/** An event that a proposal used stays: the proposal (and the audit) point at it. */
export function removeEvent(db: Db, id: string): void {
  getEvent(db, id)
  const used = db.prepare('SELECT action_id FROM rule_action_events WHERE event_id = ? LIMIT 1').get(id) as { action_id: string } | undefined
  if (used) {
    throw new OrchardError('event_in_use', '该事件已被规则提议引用，不能删除；如有误请驳回或申诉该提议 / a proposal refers to this event: reject or appeal the proposal instead', {
      id,
      actionId: used.action_id,
    })
  }
  db.prepare('DELETE FROM member_events WHERE id = ?').run(id)
}

export function listEvents(
  db: Db,
  q: { memberId?: string; types?: string[]; from?: string; to?: string; offset: number; limit: number },
  bounds: { from?: string; to?: string },
): { rows: MemberEvent[]; total: number } {
  const clauses: string[] = []
  const params: unknown[] = []
  if (q.memberId) {
    clauses.push('e.member_id = ?')
    params.push(q.memberId)
  }
  if (q.types?.length) {
    clauses.push(`e.type IN (${q.types.map(() => '?').join(',')})`)
    params.push(...q.types)
  }
  if (bounds.from) {
    clauses.push('e.occurred_at >= ?')
    params.push(bounds.from)
  }
  if (bounds.to) {
    clauses.push('e.occurred_at < ?')
    params.push(bounds.to)
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM member_events e ${where}`).get(...params) as { n: number }).n
  const rows = db
    .prepare(`SELECT ${MEMBER_EVENT_COLUMNS} FROM ${MEMBER_EVENT_FROM} ${where} ORDER BY e.occurred_at DESC, e.id LIMIT ? OFFSET ?`)
    .all(...params, q.limit, q.offset) as MemberEventRow[]
  return { rows: rows.map(toMemberEvent), total }
}

// ---------------------------------------------------------------- import

const TYPE_WORDS = new Map<string, MemberEventType>()
for (const t of MEMBER_EVENT_TYPES) {
  TYPE_WORDS.set(t, t)
  TYPE_WORDS.set(MEMBER_EVENT_LABELS[t].zh, t)
  TYPE_WORDS.set(MEMBER_EVENT_LABELS[t].en.toLowerCase(), t)
}
for (const [word, t] of [
  ['分享', 'share'],
  ['转发', 'share'],
  ['培训', 'training'],
  ['乱价', 'price_below_floor'],
  ['低于控价', 'price_below_floor'],
  ['欺骗式拉人头', 'deceptive_recruiting'],
  ['拉人头', 'deceptive_recruiting'],
  ['其他平台', 'other_platform_goods'],
  ['不让徒弟进群', 'apprentices_outside_group'],
  ['分享经验', 'experience_shared'],
  ['发展新会员', 'member_recruited'],
  ['推广', 'offline_promotion'],
  ['线下推广', 'offline_promotion'],
] as const)
  TYPE_WORDS.set(word, t)

const COLUMNS = {
  member: ['会员', '会员邀请码', '邀请码', 'member', 'invite code', 'code'],
  type: ['类型', '事件', '事件类型', 'type', 'event'],
  time: ['时间', '日期', '发生时间', 'time', 'date', 'occurred at'],
  note: ['备注', '说明', 'note', 'notes'],
}

export function findColumn(headers: string[], names: readonly string[]): number {
  const lower = headers.map((h) => h.trim().toLowerCase())
  for (const n of names) {
    const i = lower.indexOf(n.toLowerCase())
    if (i >= 0) return i
  }
  return -1
}

/**
 * Member events from a CSV/XLSX log: member (invite code, id or unique name), type (code
 * or Chinese label), time, note. All or nothing: any bad row and nothing is written.
 */
export async function importEvents(db: Db, path: string, timezone: string, recordedBy: string | null, now: Date): Promise<{ rows: number; events: MemberEvent[]; errors: RowError[] }> {
  const table = await readTable(path)
  const file = basename(path)
  const cols = { member: findColumn(table.headers, COLUMNS.member), type: findColumn(table.headers, COLUMNS.type), time: findColumn(table.headers, COLUMNS.time), note: findColumn(table.headers, COLUMNS.note) }
  const missing = (['member', 'type', 'time'] as const).filter((k) => cols[k] < 0)
  if (missing.length) {
    const errors = missing.map((k) => ({ file, row: 1, column: COLUMNS[k][0], value: '', code: 'missing_column', reason: `缺少「${COLUMNS[k][0]}」列（可用列名：${COLUMNS[k].join('、')}）/ missing column` }))
    return { rows: table.rows.length, events: [], errors }
  }
  const byCode = new Map<string, string>()
  const byName = new Map<string, string[]>()
  const ids = new Set<string>()
  for (const m of db.prepare('SELECT id, name, invite_code FROM members').all() as { id: string; name: string; invite_code: string }[]) {
    byCode.set(m.invite_code.toLowerCase(), m.id)
    byName.set(m.name, [...(byName.get(m.name) ?? []), m.id])
    ids.add(m.id)
  }
  const dates = new DateReader(timezone)
  const errors: RowError[] = []
  const planned: { memberId: string; type: MemberEventType; occurredAt: string; note: string }[] = []
  table.rows.forEach((cells, i) => {
    const row = table.rowNumbers[i]
    const err = (column: string, value: string, reason: string, code = 'invalid_value') => errors.push({ file, row, column: table.headers[cols[column as keyof typeof cols]] ?? column, value, code, reason })
    const memberRaw = cells[cols.member]?.trim() ?? ''
    let memberId: string | undefined
    if (!memberRaw) err('member', memberRaw, '必填项为空 / required value is empty', 'required')
    else if (ids.has(memberRaw)) memberId = memberRaw
    else if (byCode.has(memberRaw.toLowerCase())) memberId = byCode.get(memberRaw.toLowerCase())
    else {
      const named = byName.get(memberRaw) ?? []
      if (named.length === 1) memberId = named[0]
      else if (named.length > 1) err('member', memberRaw, `有 ${named.length} 位同名会员，请改用邀请码 / ${named.length} members share this name: use the invite code`, 'ambiguous')
      else err('member', memberRaw, '找不到这位会员（邀请码、编号或姓名）/ no member with this invite code, id or name', 'unknown_member')
    }
    const typeRaw = cells[cols.type]?.trim() ?? ''
    const type = TYPE_WORDS.get(typeRaw) ?? TYPE_WORDS.get(typeRaw.toLowerCase())
    if (!type) err('type', typeRaw, `未知的事件类型；可用：${MEMBER_EVENT_TYPES.map((t) => MEMBER_EVENT_LABELS[t].zh).join('、')} / unknown event type`, 'unknown_type')
    const timeRaw = cells[cols.time]?.trim() ?? ''
    let occurredAt: string | undefined
    try {
      if (!timeRaw) throw new CellError('required', '必填项为空 / required value is empty')
      occurredAt = dates.parse(timeRaw)
      if (occurredAt > now.toISOString()) throw new CellError('future', '时间在未来 / the time is in the future')
    } catch (e) {
      err('time', timeRaw, e instanceof CellError ? e.reason : String(e), e instanceof CellError ? e.code : 'invalid_value')
    }
    const note = cols.note >= 0 ? (cells[cols.note] ?? '').trim().slice(0, 500) : ''
    if (memberId && type && occurredAt) planned.push({ memberId, type, occurredAt, note })
  })
  if (errors.length) return { rows: table.rows.length, events: [], errors }
  // The same log imported twice adds nothing: an identical event (member, type, time, note) is kept once.
  const exists = db.prepare('SELECT 1 FROM member_events WHERE member_id = ? AND type = ? AND occurred_at = ? AND note = ?')
  const events = db.transaction(() =>
    planned.filter((p) => !exists.get(p.memberId, p.type, p.occurredAt, p.note)).map((p) => insertEvent(db, { ...p, source: 'import', recordedBy }, now)),
  )()
  return { rows: table.rows.length, events, errors: [] }
}

// ---------------------------------------------------------------- timeline

/** Everything that happened to one member, newest first: joining, groups, care, sales, events, actions, appeals. */
export function memberTimeline(db: Db, memberId: string, limit: number, now: Date) {
  const m = db
    .prepare(
      `SELECT m.id, m.name, m.join_date AS joinDate, m.status, m.created_at AS createdAt, mm.name AS mentorName
         FROM members m LEFT JOIN members mm ON mm.id = m.mentor_id WHERE m.id = ?`,
    )
    .get(memberId) as { id: string; name: string; joinDate: string; status: string; createdAt: string; mentorName: string | null } | undefined
  if (!m) throw new OrchardError('not_found', `会员不存在 / member not found: ${memberId}`, { field: 'memberId', value: memberId })
  const groups = db
    .prepare('SELECT g.id, g.name, gm.joined_at AS joinedAt FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.member_id = ? ORDER BY gm.joined_at')
    .all(memberId) as { id: string; name: string; joinedAt: string }[]
  const entries: TimelineEntry[] = []
  entries.push({ at: m.createdAt < `${m.joinDate}T23:59:59Z` ? m.createdAt : `${m.joinDate}T01:00:00.000Z`, kind: 'joined', subtype: null, title: `加入团队（${m.joinDate}）`, detail: m.mentorName ? `师父：${m.mentorName}` : '', refId: m.id, amountFen: null })
  for (const g of groups) entries.push({ at: g.joinedAt, kind: 'group', subtype: null, title: `进入社群「${g.name}」`, detail: '', refId: g.id, amountFen: null })
  for (const t of db
    .prepare("SELECT id, title, status, channel, owner_name, due_at, done_at, note, plan_name FROM care_tasks WHERE member_id = ? AND (status <> 'open' OR due_at <= ?) ORDER BY due_at DESC LIMIT ?")
    .all(memberId, now.toISOString(), limit) as Pick<CareTaskTableRow, 'id' | 'title' | 'status' | 'channel' | 'owner_name' | 'due_at' | 'done_at' | 'note' | 'plan_name'>[])
    entries.push({
      at: t.done_at ?? t.due_at,
      kind: 'care',
      subtype: t.status,
      title: `${t.title}（${CARE_TASK_STATUS_LABELS[t.status].zh}）`,
      detail: [t.plan_name, CARE_CHANNEL_LABELS[t.channel].zh, t.owner_name, t.note].filter(Boolean).join(' · '),
      refId: t.id,
      amountFen: null,
    })
  for (const o of db
    .prepare("SELECT id, order_no, placed_at, total_fen, refunded_fen, status FROM orders WHERE member_id = ? AND status IN ('paid','partially_refunded','refunded') ORDER BY placed_at DESC LIMIT ?")
    .all(memberId, limit) as { id: string; order_no: string; placed_at: string; total_fen: number; refunded_fen: number; status: string }[])
    entries.push({
      at: o.placed_at,
      kind: 'sale',
      subtype: o.status,
      title: `成交 ${o.order_no}`,
      detail: o.refunded_fen > 0 ? `退款 ¥${(o.refunded_fen / 100).toFixed(2)}` : '',
      refId: o.id,
      amountFen: o.total_fen,
    })
  for (const e of db
    .prepare('SELECT id, type, occurred_at, note, source FROM member_events WHERE member_id = ? ORDER BY occurred_at DESC LIMIT ?')
    .all(memberId, limit) as Pick<MemberEventTableRow, 'id' | 'type' | 'occurred_at' | 'note' | 'source'>[])
    entries.push({ at: e.occurred_at, kind: 'event', subtype: e.type, title: MEMBER_EVENT_LABELS[e.type].zh, detail: e.note, refId: e.id, amountFen: null })
  for (const a of db.prepare('SELECT * FROM rule_actions WHERE member_id = ? ORDER BY proposed_at DESC LIMIT ?').all(memberId, limit) as RuleActionTableRow[]) {
    const what = describeAction({ kind: a.kind, points: a.points, amountFen: a.amount_fen, days: a.days })
    const money = a.kind === 'penalty' ? -a.amount_fen : a.kind === 'bonus' ? a.amount_fen : null
    entries.push({ at: a.proposed_at, kind: 'action', subtype: 'proposed', title: `规则「${a.rule_name}」提议：${what}`, detail: a.reason, refId: a.id, amountFen: money })
    if (a.decided_at)
      entries.push({ at: a.decided_at, kind: 'action', subtype: a.status, title: `${ACTION_STATUS_LABELS[a.status].zh}：${what}`, detail: a.decision_reason ?? '', refId: a.id, amountFen: money })
    if (a.overturned_at) entries.push({ at: a.overturned_at, kind: 'action', subtype: 'overturned', title: `申诉成立，撤销：${what}`, detail: '', refId: a.id, amountFen: money })
  }
  for (const p of db
    .prepare('SELECT p.id, p.reason, p.filed_at, p.status, p.decided_at, p.decision_reason, a.rule_name FROM appeals p JOIN rule_actions a ON a.id = p.action_id WHERE a.member_id = ? ORDER BY p.filed_at DESC')
    .all(memberId) as (Pick<AppealTableRow, 'id' | 'reason' | 'filed_at' | 'status' | 'decided_at' | 'decision_reason'> & Pick<RuleActionTableRow, 'rule_name'>)[]) {
    entries.push({ at: p.filed_at, kind: 'appeal', subtype: 'open', title: `对「${p.rule_name}」提出申诉`, detail: p.reason, refId: p.id, amountFen: null })
    if (p.decided_at) entries.push({ at: p.decided_at, kind: 'appeal', subtype: p.status, title: `申诉裁决：${APPEAL_STATUS_LABELS[p.status].zh}`, detail: p.decision_reason ?? '', refId: p.id, amountFen: null })
  }
  entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
  const lastSale = db.prepare("SELECT MAX(placed_at) AS at FROM orders WHERE member_id = ? AND status IN ('paid','partially_refunded')").get(memberId) as { at: string | null }
  const lastShare = db.prepare("SELECT MAX(occurred_at) AS at FROM member_events WHERE member_id = ? AND type IN ('share','showcase')").get(memberId) as { at: string | null }
  const points = db
    .prepare("SELECT COALESCE(SUM(points), 0) AS n FROM rule_actions WHERE member_id = ? AND kind = 'points' AND status = 'approved' AND overturned_at IS NULL")
    .get(memberId) as { n: number }
  return {
    member: {
      id: m.id,
      name: m.name,
      mentorName: m.mentorName,
      joinDate: m.joinDate,
      status: m.status,
      groups: groups.map((g) => ({ id: g.id, name: g.name })),
      lastSaleAt: lastSale.at,
      lastShareAt: lastShare.at,
      points: points.n,
    },
    entries: entries.slice(0, limit),
    total: entries.length,
  }
}
