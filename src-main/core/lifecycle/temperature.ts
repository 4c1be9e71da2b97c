import { basename } from 'node:path'
import {
  RITUAL_KINDS,
  RITUAL_LABELS,
  type RitualCounts,
  type RitualKind,
  type TemperatureDay,
  type TemperatureRank,
} from '../../../src-shared/contracts/lifecycle'
import { OrchardError } from '../../../src-shared/errors'
import { temperatureScore } from '../../../src-shared/lifecycle/temperature'
import type { RowError } from '../../../src-shared/located'
import type { Db } from '../db/connection'
import { GROUP_RITUALS, toTemperatureDay, type RitualRow } from '../db/tables/lifecycle'
import { upsertRow } from '../db/tables/table'
import { readTable } from '../imports/read'
import { CellError, DateReader } from '../imports/values'
import { findColumn } from './events'
import { averageEnding, coolingOn } from './planner'
import { triggerSettings } from '../db/lifecycleSettings'
import { addDays } from './studioTime'

const ZERO: RitualCounts = { morning: 0, night: 0, training: 0, goal: 0, red_envelope: 0, showcase: 0, replies: 0 }

export function writeRituals(db: Db, groupId: string, day: string, counts: RitualCounts, source: TemperatureDay['source'], by: string | null, now: Date): TemperatureDay {
  const score = temperatureScore(counts)
  upsertRow(db, GROUP_RITUALS, ['group_id', 'day'], { group_id: groupId, day, ...counts, score, source, updated_at: now.toISOString(), updated_by: by })
  return toTemperatureDay(db.prepare('SELECT * FROM group_rituals WHERE group_id = ? AND day = ?').get(groupId, day) as RitualRow)
}

function groupOf(db: Db, id: string): { id: string; name: string; ownerName: string | null } {
  const g = db.prepare('SELECT g.id, g.name, m.name AS ownerName FROM groups g LEFT JOIN members m ON m.id = g.owner_member_id WHERE g.id = ?').get(id) as
    | { id: string; name: string; ownerName: string | null }
    | undefined
  if (!g) throw new OrchardError('not_found', `社群不存在 / group not found: ${id}`, { field: 'groupId', value: id })
  return g
}

export function logRituals(db: Db, groupId: string, day: string, counts: RitualCounts, by: string | null, today: string, now: Date): TemperatureDay {
  groupOf(db, groupId)
  if (day > today) throw new OrchardError('invalid_input', '不能登记未来日期的社群活动 / cannot log a day in the future', { field: 'day', value: day })
  return writeRituals(db, groupId, day, counts, 'manual', by, now)
}

export function temperatureSeries(db: Db, groupId: string, from: string, to: string) {
  const group = groupOf(db, groupId)
  const s = triggerSettings(db)
  const n = s.groupAverageDays
  const rows = db.prepare('SELECT * FROM group_rituals WHERE group_id = ? AND day >= ? AND day <= ? ORDER BY day').all(groupId, addDays(from, -n), to) as RitualRow[]
  const byDay = new Map(rows.map((r) => [r.day, r]))
  const scores = new Map(rows.map((r) => [r.day, r.score]))
  const days: (TemperatureDay & { logged: boolean })[] = []
  const average: { day: string; score: number }[] = []
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const r = byDay.get(d)
    days.push(r ? { ...toTemperatureDay(r), logged: true } : { groupId, day: d, counts: { ...ZERO }, score: 0, source: 'manual', updatedAt: '', logged: false })
    average.push({ day: d, score: Math.round(averageEnding(scores, d, n) * 10) / 10 })
    if (days.length > 400) break
  }
  return { group, from, to, days, average }
}

/** Every group, coldest first, judged on the `n` days ending on `day`. */
export function temperatureRanking(db: Db, day: string, limit: number): TemperatureRank[] {
  const s = triggerSettings(db)
  const n = s.groupAverageDays
  const from = addDays(day, -Math.max(13, 2 * n - 1))
  const groups = db
    .prepare(
      `SELECT g.id, g.name, m.name AS ownerName, (SELECT COUNT(*) FROM group_members gm WHERE gm.group_id = g.id) AS memberCount
         FROM groups g LEFT JOIN members m ON m.id = g.owner_member_id`,
    )
    .all() as { id: string; name: string; ownerName: string | null; memberCount: number }[]
  const scores = new Map<string, Map<string, number>>()
  for (const r of db.prepare('SELECT group_id AS g, day, score FROM group_rituals WHERE day >= ? AND day <= ?').iterate(from, day) as IterableIterator<{ g: string; day: string; score: number }>) {
    let m = scores.get(r.g)
    if (!m) scores.set(r.g, (m = new Map()))
    m.set(r.day, r.score)
  }
  const round = (x: number) => Math.round(x * 10) / 10
  const ranked = groups.map((g): TemperatureRank => {
    const days = scores.get(g.id) ?? new Map<string, number>()
    let logged = false
    for (let i = 0; i < n && !logged; i++) logged = days.has(addDays(day, -i))
    const score = averageEnding(days, day, n)
    const previous = averageEnding(days, addDays(day, -n), n)
    const trend: number[] = []
    for (let i = 13; i >= 0; i--) trend.push(days.get(addDays(day, -i)) ?? 0)
    return {
      groupId: g.id,
      name: g.name,
      ownerName: g.ownerName,
      memberCount: g.memberCount,
      score: round(score),
      previous: round(previous),
      change: round(score - previous),
      cooling: coolingOn(days, day, s),
      trend,
      asOf: day,
      logged,
    }
  })
  ranked.sort((a, b) => Number(b.logged) - Number(a.logged) || a.score - b.score || a.name.localeCompare(b.name, 'zh-CN'))
  return ranked.slice(0, limit)
}

// ---------------------------------------------------------------- CSV activity log

const KIND_WORDS = new Map<string, RitualKind>()
for (const k of RITUAL_KINDS) {
  KIND_WORDS.set(k, k)
  KIND_WORDS.set(RITUAL_LABELS[k].zh, k)
  KIND_WORDS.set(RITUAL_LABELS[k].en.toLowerCase(), k)
}
for (const [w, k] of [
  ['早安打卡', 'morning'],
  ['晚安打卡', 'night'],
  ['群培训', 'training'],
  ['目标', 'goal'],
  ['红包', 'red_envelope'],
  ['回复', 'replies'],
  ['消息', 'replies'],
  ['发言', 'replies'],
  ['red envelope', 'red_envelope'],
  ['message', 'replies'],
  ['messages', 'replies'],
] as const)
  KIND_WORDS.set(w, k)

const COLUMNS = {
  time: ['日期', '时间', 'date', 'time', 'day'],
  group: ['社群', '群', '群名', 'group', 'group name'],
  kind: ['类型', '活动', '仪式', 'kind', 'ritual', 'activity'],
  count: ['数量', '次数', 'count', 'n'],
}

/**
 * A group activity log (one row per ritual or count: date, group, kind, count). The file's
 * rows are summed per group and day, and each group-day in the file replaces what was
 * logged for it — so importing the same log twice changes nothing. All or nothing.
 */
export async function importActivityLog(db: Db, path: string, timezone: string, today: string, by: string | null, now: Date): Promise<{ rows: number; written: number; errors: RowError[] }> {
  const table = await readTable(path)
  const file = basename(path)
  const cols = { time: findColumn(table.headers, COLUMNS.time), group: findColumn(table.headers, COLUMNS.group), kind: findColumn(table.headers, COLUMNS.kind), count: findColumn(table.headers, COLUMNS.count) }
  const missing = (['time', 'group', 'kind'] as const).filter((k) => cols[k] < 0)
  if (missing.length) {
    return {
      rows: table.rows.length,
      written: 0,
      errors: missing.map((k) => ({ file, row: 1, column: COLUMNS[k][0], value: '', code: 'missing_column', reason: `缺少「${COLUMNS[k][0]}」列（可用列名：${COLUMNS[k].join('、')}）/ missing column` })),
    }
  }
  const groups = db.prepare('SELECT id, name FROM groups').all() as { id: string; name: string }[]
  const byName = new Map<string, string[]>()
  for (const g of groups) byName.set(g.name, [...(byName.get(g.name) ?? []), g.id])
  const ids = new Set(groups.map((g) => g.id))
  const dates = new DateReader(timezone)
  const dayOf = (iso: string) => new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso))
  const errors: RowError[] = []
  const sums = new Map<string, RitualCounts>()
  table.rows.forEach((cells, i) => {
    const row = table.rowNumbers[i]
    const err = (key: keyof typeof cols, value: string, reason: string, code = 'invalid_value') => errors.push({ file, row, column: table.headers[cols[key]] ?? COLUMNS[key][0], value, code, reason })
    const groupRaw = (cells[cols.group] ?? '').trim()
    let groupId: string | undefined
    if (!groupRaw) err('group', groupRaw, '必填项为空 / required value is empty', 'required')
    else if (ids.has(groupRaw)) groupId = groupRaw
    else {
      const named = byName.get(groupRaw) ?? []
      if (named.length === 1) groupId = named[0]
      else if (named.length > 1) err('group', groupRaw, `有 ${named.length} 个同名社群，请改用社群编号 / ${named.length} groups share this name: use the group id`, 'ambiguous')
      else err('group', groupRaw, '找不到这个社群 / no group with this name', 'unknown_group')
    }
    const timeRaw = (cells[cols.time] ?? '').trim()
    let day: string | undefined
    try {
      if (!timeRaw) throw new CellError('required', '必填项为空 / required value is empty')
      day = /^\d{4}-\d{2}-\d{2}$/.test(timeRaw) ? timeRaw : dayOf(dates.parse(timeRaw))
      if (/^\d{4}-\d{2}-\d{2}$/.test(timeRaw)) dates.parse(timeRaw) // validates the calendar date
      if (day > today) throw new CellError('future', '日期在未来 / the date is in the future')
    } catch (e) {
      day = undefined
      err('time', timeRaw, e instanceof CellError ? e.reason : String(e), e instanceof CellError ? e.code : 'invalid_value')
    }
    const kindRaw = (cells[cols.kind] ?? '').trim()
    const kind = KIND_WORDS.get(kindRaw) ?? KIND_WORDS.get(kindRaw.toLowerCase())
    if (!kind) err('kind', kindRaw, `未知的活动类型；可用：${RITUAL_KINDS.map((k) => RITUAL_LABELS[k].zh).join('、')} / unknown ritual`, 'unknown_kind')
    let count = 1
    if (cols.count >= 0) {
      const raw = (cells[cols.count] ?? '').trim()
      if (raw !== '') {
        count = Number(raw)
        if (!Number.isInteger(count) || count < 0 || count > 100000) {
          err('count', raw, '数量应为 0–100000 的整数 / count must be a whole number from 0 to 100000', 'out_of_range')
          count = -1
        }
      }
    }
    if (!groupId || !day || !kind || count < 0) return
    const key = `${groupId}|${day}`
    const sum = sums.get(key) ?? { ...ZERO }
    sum[kind] += count
    sums.set(key, sum)
  })
  if (errors.length) return { rows: table.rows.length, written: 0, errors }
  const over = [...sums.entries()].find(([, c]) => RITUAL_KINDS.some((k) => c[k] > (k === 'replies' ? 100000 : 1000)))
  if (over) {
    const [key] = over
    const [g, d] = key.split('|')
    return { rows: table.rows.length, written: 0, errors: [{ file, row: 0, column: COLUMNS.count[0], value: key, code: 'out_of_range', reason: `社群 ${g} 在 ${d} 的合计超出上限 / totals for one group and day are too large` }] }
  }
  db.transaction(() => {
    for (const [key, counts] of sums) {
      const [groupId, day] = key.split('|')
      writeRituals(db, groupId, day, counts, 'import', by, now)
    }
  })()
  return { rows: table.rows.length, written: sums.size, errors: [] }
}
