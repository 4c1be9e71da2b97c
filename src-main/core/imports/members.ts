import { MEMBER_STATUS_LABELS, MEMBER_STATUSES } from '../../../src-shared/vocabulary'
import { dayIn } from '../clock'
import { MEMBERS, type MemberTableRow } from '../db/tables/members'
import { rowWriter } from '../db/tables/table'
import { newId } from '../ids'
import { studioTimeZone } from '../settings/settings'
import { duplicateReason, type ImportJob, type ImportPlan } from './job'
import { normalizePhoneCell } from './phones'
import { CellError, toHalfWidth } from './values'

type MemberRow = Pick<MemberTableRow, 'id' | 'invite_code' | (typeof COLUMNS)[number]>
/** A new member as written: the file's columns and the times (the fee paid and the leaving date take the table's defaults). */
type NewMember = Pick<MemberTableRow, (typeof INSERT_COLUMNS)[number]>
const COLUMNS = ['name', 'wechat_id', 'phone', 'mentor_id', 'level', 'join_date', 'status'] as const
const INSERT_COLUMNS = ['id', 'invite_code', ...COLUMNS, 'created_at', 'updated_at'] as const

// The limits of the console's member form (src-shared/schemas.ts MemberInput).
const MAX = { name: 60, wechatId: 64 }
const CODE = /^[A-Za-z0-9]{4,16}$/

const codeOf = (s: string) => {
  const code = toHalfWidth(s).trim().toUpperCase()
  if (!CODE.test(code)) throw new CellError('invalid_invite_code', '邀请码为 4–16 位字母或数字 / invite code: 4–16 letters or digits')
  return code
}
const levelOf = (s: string) => {
  const n = Number(toHalfWidth(s).trim().replace(/^(?:LV|L|等级)\s*/i, '').replace(/级$/, ''))
  if (n !== 1 && n !== 2 && n !== 3) throw new CellError('invalid_level', '等级应为 1、2 或 3 / level must be 1, 2 or 3')
  return n
}
const statusOf = (s: string) => {
  const v = s.trim().toLowerCase()
  for (const status of MEMBER_STATUSES) {
    const label = MEMBER_STATUS_LABELS[status]
    if (v === status || v === label.zh || v === label.en.toLowerCase()) return status
  }
  if (['正常', '在职', '有效'].includes(v)) return 'active'
  if (['离开', '退出', '已退出'].includes(v)) return 'left'
  throw new CellError('invalid_status', '状态应为 活跃 / 暂停 / 已离开 / status must be active, paused or left')
}
const phoneOf = (s: string) => {
  const r = normalizePhoneCell(s)
  if (!r.ok) throw new CellError('invalid_phone', r.reason)
  return r.e164
}

interface Planned {
  row: number
  code: string
  mentorCode: string | null
  values: Omit<MemberRow, 'id' | 'invite_code' | 'mentor_id'>
}

/**
 * Members, matched by invite code (the team's natural key): a studio moving from a
 * spreadsheet brings its team tree in. The mentor is named by their invite code, found
 * among the studio's members or elsewhere in the same file (in any order); a mentor no one
 * has, a member who is their own mentor, and a loop in the tree are refused at the row,
 * with the column and the value, like every other import error.
 */
export async function planMembers(job: ImportJob): Promise<ImportPlan> {
  const { db, table } = job
  const timezone = studioTimeZone(db)
  const byCode = new Map<string, MemberRow>()
  for (const r of db.prepare(`SELECT id, invite_code, ${COLUMNS.join(', ')} FROM members`).iterate() as Iterable<MemberRow>) byCode.set(r.invite_code.toUpperCase(), r)
  const planned: Planned[] = []
  const firstRowOfCode = new Map<string, number>()
  const rejectedRows = new Set<number>()
  /** The mentor cell as the file wrote it, by row number: errors about mentors are found after every row is read. */
  const mentorCells = new Map<number, string>()

  while (await job.nextBatch()) {
    for (let i = 0; i < table.rows.length; i++) {
      const row = table.rows[i]
      const errorsBefore = job.errorCount
      const code = job.read(row, i, 'inviteCode', codeOf, true)
      const name = job.text(row, i, 'name', MAX.name, true)
      const wechatId = job.text(row, i, 'wechatId', MAX.wechatId)
      const phone = job.read(row, i, 'phone', phoneOf)
      const mentorCode = job.read(row, i, 'mentor', codeOf)
      const level = job.read(row, i, 'level', levelOf)
      const joined = job.read(row, i, 'joinDate', (s) => dayIn(timezone, new Date(job.dates.parse(s))))
      const status = job.read(row, i, 'status', statusOf)
      if (code) {
        const first = firstRowOfCode.get(code)
        if (first !== undefined) job.reject(i, 'inviteCode', code, 'duplicate_in_file', duplicateReason('邀请码', first))
        if (mentorCode === code) job.reject(i, 'mentor', job.cell(row, 'mentor'), 'mentor_cycle', '会员不能做自己的师父 / a member cannot be their own mentor')
      }
      if (job.errorCount > errorsBefore) {
        rejectedRows.add(job.rowNumber(i))
        continue
      }
      firstRowOfCode.set(code!, job.rowNumber(i))
      const cur = byCode.get(code!)
      planned.push({
        row: job.rowNumber(i),
        code: code!,
        mentorCode: mentorCode ?? null,
        values: {
          name: name!,
          wechat_id: wechatId ?? cur?.wechat_id ?? null,
          phone: phone ?? cur?.phone ?? null,
          level: level ?? cur?.level ?? 1,
          join_date: joined ?? cur?.join_date ?? dayIn(timezone, new Date(job.now)),
          status: status ?? cur?.status ?? 'active',
        },
      })
      if (mentorCode) mentorCells.set(job.rowNumber(i), job.cell(row, 'mentor'))
    }
  }

  // Ids for the new members first, so a mentor can be a member the same file adds.
  const idOf = new Map<string, string>()
  for (const [code, r] of byCode) idOf.set(code, r.id)
  for (const p of planned) if (!idOf.has(p.code)) idOf.set(p.code, newId())
  const mentorOf = new Map<string, string | null>()
  for (const [code, r] of byCode) mentorOf.set(code, r.mentor_id)
  const codeOfId = new Map([...idOf].map(([code, id]) => [id, code]))
  const rejectAt = (p: Planned, code: string, reason: string) => {
    job.rejectRow(p.row, 'mentor', mentorCells.get(p.row) ?? p.mentorCode ?? '', code, reason)
    rejectedRows.add(p.row)
  }
  const accepted: Planned[] = []
  for (const p of planned) {
    if (p.mentorCode && !idOf.has(p.mentorCode)) {
      rejectAt(p, 'unknown_member', `没有会员使用邀请码 ${p.mentorCode}（工作室和文件里都没有）/ no member has this invite code, in the studio or the file`)
      continue
    }
    accepted.push(p)
    mentorOf.set(p.code, p.mentorCode ? idOf.get(p.mentorCode)! : (byCode.get(p.code)?.mentor_id ?? null))
  }
  // A loop in the tree (A under B, B under A): every member on it is refused.
  const ok: Planned[] = []
  for (const p of accepted) {
    const seen = new Set<string>([p.code])
    let up = mentorOf.get(p.code) ?? null
    let loop = false
    while (up) {
      const upCode = codeOfId.get(up)
      if (!upCode) break
      if (seen.has(upCode)) {
        loop = upCode === p.code
        break
      }
      seen.add(upCode)
      up = mentorOf.get(upCode) ?? null
    }
    if (loop) rejectAt(p, 'mentor_cycle', '师父关系形成了环（徒弟成了师父的师父）/ the mentor chain loops back to this member')
    else ok.push(p)
  }

  const inserts: NewMember[] = []
  const updates: unknown[][] = []
  let unchanged = 0
  for (const p of ok) {
    const cur = byCode.get(p.code)
    const next = { ...p.values, mentor_id: mentorOf.get(p.code) ?? null }
    if (!cur) inserts.push({ id: idOf.get(p.code)!, invite_code: p.code, ...next, created_at: job.now, updated_at: job.now })
    else if (COLUMNS.every((c) => cur[c] === next[c])) unchanged++
    else updates.push([...COLUMNS.map((c) => next[c]), job.now, cur.id])
  }

  return {
    inserted: inserts.length,
    updated: updates.length,
    unchanged,
    rejectedRows: rejectedRows.size,
    unattributedOrders: 0,
    entities: ['members'],
    write: () => {
      // New members go in without mentors first: a mentor may be a later row of the file.
      const insert = rowWriter(db, MEMBERS, INSERT_COLUMNS)
      const mentor = db.prepare('UPDATE members SET mentor_id = ? WHERE id = ?')
      const update = db.prepare(`UPDATE members SET ${COLUMNS.map((c) => `${c} = ?`).join(', ')}, updated_at = ? WHERE id = ?`)
      for (const r of inserts) insert({ ...r, mentor_id: null })
      for (const r of inserts) if (r.mentor_id) mentor.run(r.mentor_id, r.id)
      for (const r of updates) update.run(r)
    },
  }
}
