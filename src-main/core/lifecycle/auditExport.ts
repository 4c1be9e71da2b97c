import { join, resolve } from 'node:path'
import {
  ACTION_STATUS_LABELS,
  AUDIT_KIND_LABELS,
  MEMBER_EVENT_LABELS,
  RULE_ACTION_LABELS,
  type ActionStatus,
  type AuditRecord,
  type RuleActionKind,
} from '../../../src-shared/contracts/lifecycle'
import { bilingualHalf } from '../../../src-shared/bilingual'
import { formatFen } from '../../../src-shared/vocabulary'
import { OrchardError } from '../../../src-shared/errors'
import { ROLE_LABELS } from '../../../src-shared/roles'
import { zoneOffset } from '../clock'
import { PRIVATE_FILE } from '../housekeeping'
import { writeOutput } from '../jobs/outputs'
import { readSettings } from '../settings/settings'
import type { CoreContext } from '../context'
import { auditPeriod, verifyAudit } from '../audit/audit'
import { drawLine, measure, newDocument, wrap, type Style } from './pdf/typeset'

/** A cell a spreadsheet would run as a formula (=, +, -, @) is written as text. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

function localTime(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
    .format(new Date(iso))
    .replace(',', '')
}

export function auditCsv(records: AuditRecord[], timezone: string): string {
  const header = ['序号 Seq', '时间 Time', '操作人 Actor', '角色 Role', '事项 Kind', '对象 Entity', '对象编号 Entity id', '摘要 Summary', '修改前 Before', '修改后 After', '前一哈希 Previous hash', '哈希 Hash']
  const rows = records.map((r) => [
    String(r.seq),
    localTime(r.at, timezone),
    r.actorName,
    ROLE_LABELS[r.actorRole].zh,
    AUDIT_KIND_LABELS[r.kind]?.zh ?? r.kind,
    r.entity,
    r.entityId ?? '',
    r.summary,
    r.before === null ? '' : JSON.stringify(r.before),
    r.after === null ? '' : JSON.stringify(r.after),
    r.prevHash,
    r.hash,
  ])
  return `\uFEFF${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`
}

const INK = '#1F2A24'
const MUTED = '#6B7A71'
const GREEN = '#2E6B4A'
const RED = '#B3261E'

/** What the PDF calls the fields audit records carry; a field not named here keeps its key. */
const FIELD_WORDS: Record<string, string> = {
  name: '名称',
  description: '说明',
  eventType: '事件',
  threshold: '次数',
  windowDays: '统计天数',
  effectiveFrom: '生效日',
  active: '启用',
  action: '处理',
  version: '版本',
  amountFen: '金额',
  days: '天数',
  points: '积分',
  kind: '类型',
  status: '状态',
  note: '备注',
  reason: '原因',
  entity: '对象',
  format: '格式',
  rows: '行数',
  filtered: '按筛选',
  file: '文件',
}
const DAY_FIELDS = new Set(['windowDays', 'days'])

/** A rule's action as the rules screen says it: 警告, 扣除佣金 ¥30.00, 暂停资格 7 天, 积分 +20. */
function actionWords(a: Record<string, unknown>): string | null {
  const kind = a.kind as RuleActionKind
  const label = RULE_ACTION_LABELS[kind]?.zh
  if (!label) return null
  if ((kind === 'penalty' || kind === 'bonus') && typeof a.amountFen === 'number') return `${label} ¥${formatFen(a.amountFen)}`
  if (kind === 'suspension' && typeof a.days === 'number') return `${label} ${a.days} 天`
  if (kind === 'points' && typeof a.points === 'number') return `${label} ${a.points > 0 ? '+' : ''}${a.points}`
  return label
}

/** A value as a person reads it — 金额 ¥20.00, 统计天数 14 天, 是/否 — never JSON. */
function words(v: unknown, key?: string): string {
  if (v === null || v === undefined) return '—'
  if (typeof v === 'boolean') return v ? '是' : '否'
  if (typeof v === 'number') {
    if (key && /Fen$/.test(key)) return `¥${formatFen(v)}`
    if (key && DAY_FIELDS.has(key)) return `${v} 天`
    return String(v)
  }
  if (typeof v === 'string') {
    if (key === 'eventType' && v in MEMBER_EVENT_LABELS) return MEMBER_EVENT_LABELS[v as keyof typeof MEMBER_EVENT_LABELS].zh
    if (key === 'status' && v in ACTION_STATUS_LABELS) return ACTION_STATUS_LABELS[v as ActionStatus].zh
    return v
  }
  if (Array.isArray(v)) return v.length > 3 ? `${v.slice(0, 3).map((x) => words(x)).join('、')} 等 ${v.length} 项` : v.map((x) => words(x)).join('、')
  const o = v as Record<string, unknown>
  const action = actionWords(o)
  if (action) return action
  return Object.entries(o)
    .filter(([k]) => !isIdField(k))
    .map(([k, x]) => `${FIELD_WORDS[k] ?? k} ${words(x, k)}`)
    .join('，')
}
/** Record ids say nothing to a reader of the PDF (the CSV keeps them, and the hash covers them). */
const isIdField = (k: string) => /(^id|Id|Ids)$/.test(k) || k === 'events'

/** Before → after as short "字段：旧 → 新" lines, so a reader sees what changed without reading JSON. */
function changes(r: AuditRecord): string {
  const before = (r.before ?? {}) as Record<string, unknown>
  const after = (r.after ?? {}) as Record<string, unknown>
  if (r.before === null && r.after === null) return ''
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !isIdField(k))
  const parts: string[] = []
  for (const k of keys) {
    const label = FIELD_WORDS[k] ?? k
    if (r.before !== null && r.after !== null) {
      if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) parts.push(`${label}：${words(before[k], k)} → ${words(after[k], k)}`)
    } else parts.push(`${label}：${words(r.after !== null ? after[k] : before[k], k)}`)
  }
  return parts.join('；').slice(0, 600)
}

export async function auditPdf(records: AuditRecord[], meta: { studio: string; from: string; to: string; timezone: string; generatedAt: string; verification: ReturnType<typeof verifyAudit> }): Promise<Buffer> {
  const margins = { top: 56, bottom: 50, left: 40, right: 40 }
  const doc = newDocument({ layout: 'landscape', title: `审计日志 ${meta.from} – ${meta.to}`, author: meta.studio, margins })
  const chunks: Buffer[] = []
  doc.on('data', (b: Buffer) => chunks.push(b))
  const done = new Promise<Buffer>((res, rej) => {
    doc.on('end', () => res(Buffer.concat(chunks)))
    doc.on('error', rej)
  })
  const pageW = doc.page.width
  const pageH = doc.page.height
  const width = pageW - margins.left - margins.right
  const bottom = pageH - margins.bottom
  const cols = [
    { title: '序号', width: 40 },
    { title: '时间', width: 92 },
    { title: '操作人', width: 64 },
    { title: '事项', width: 70 },
    { title: '摘要', width: 210 },
    { title: '修改内容（前 → 后）', width: width - 40 - 92 - 64 - 70 - 210 - 78 },
    { title: '哈希', width: 78 },
  ]
  const cell: Style = { weight: 'regular', size: 8, color: INK }
  const lineH = 11.5
  let y = margins.top

  // Title block: period, verification result, counts.
  doc.font('bold').fontSize(17).fillColor(INK).text('审计日志 Audit log', margins.left, y, { lineBreak: false })
  const period = `${meta.studio} · ${meta.from} 至 ${meta.to} · ${records.length} 条记录`
  doc.font('regular').fontSize(9.5).fillColor(MUTED).text(period, margins.left, y + 26, { lineBreak: false })
  const v = meta.verification
  const verdict = v.intact
    ? `哈希链完整：共 ${v.records} 条记录，逐条校验通过（头哈希 ${v.headHash?.slice(0, 16) ?? '—'}…）`
    : `哈希链断裂：第 ${v.firstBroken?.seq} 条记录 —— ${v.firstBroken?.message}`
  const badgeW = measure(doc, verdict, 'medium', 9) + 24
  doc.roundedRect(pageW - margins.right - badgeW, y + 2, badgeW, 22, 11).fill(v.intact ? '#E6F2EA' : '#FBE9E7')
  doc.font('medium').fontSize(9).fillColor(v.intact ? GREEN : RED).text(verdict, pageW - margins.right - badgeW + 12, y + 7, { lineBreak: false })
  y += 52

  const header = () => {
    doc.rect(margins.left, y, width, 20).fill(GREEN)
    let x = margins.left
    for (const c of cols) {
      doc.font('bold').fontSize(8.5).fillColor('#FFFFFF').text(c.title, x + 5, y + 5.5, { lineBreak: false })
      x += c.width
    }
    y += 20
  }
  header()
  if (!records.length) {
    doc.font('regular').fontSize(10).fillColor(MUTED).text('这段时间没有审计记录 / no audit records in this period', margins.left + 6, y + 14, { lineBreak: false })
  }
  records.forEach((r, i) => {
    const texts = [
      String(r.seq),
      localTime(r.at, meta.timezone),
      r.actorRole === 'system' ? '系统' : `${r.actorName}\n${ROLE_LABELS[r.actorRole].zh}`,
      AUDIT_KIND_LABELS[r.kind]?.zh ?? r.kind,
      // The summary's Chinese half; the English half repeats it for the CSV's readers.
      bilingualHalf(r.summary, 'zh'),
      changes(r),
      `${r.hash.slice(0, 12)}…\n← ${r.prevHash.slice(0, 8)}…`,
    ]
    const lines = texts.map((t, k) => {
      const all = wrap(doc, t, k === 6 ? { ...cell, color: MUTED, size: 7.5 } : cell, cols[k].width - 10)
      // A long before/after is cut at four lines (the CSV carries it in full).
      if (k === 5 && all.length > 4) return [...all.slice(0, 3), ...wrap(doc, `…（共 ${all.length} 行，完整内容见 CSV）`, { ...cell, color: MUTED }, cols[k].width - 10)]
      return all.slice(0, 8)
    })
    const h = Math.max(...lines.map((l) => l.length)) * lineH + 10
    if (y + h > bottom) {
      doc.addPage()
      y = margins.top
      header()
    }
    const broken = v.firstBroken && v.firstBroken.seq === r.seq
    if (broken) doc.rect(margins.left, y, width, h).fill('#FBE9E7')
    else if (i % 2 === 1) doc.rect(margins.left, y, width, h).fill('#F5F8F6')
    let x = margins.left
    lines.forEach((ls, k) => {
      let ly = y + 5
      for (const l of ls) {
        drawLine(doc, l, x + 5, ly, cols[k].width - 10, 'left')
        ly += lineH
      }
      x += cols[k].width
    })
    y += h
    doc.moveTo(margins.left, y).lineTo(margins.left + width, y).lineWidth(0.3).strokeColor('#D5DED8').stroke()
  })

  const range = doc.bufferedPageRange()
  for (let p = 0; p < range.count; p++) {
    doc.switchToPage(p)
    const foot = `导出于 ${meta.generatedAt} · 每条记录的哈希 = sha256(前一条哈希 + 本条记录的规范 JSON)，改动任何一条都会被校验发现 · 第 ${p + 1} / ${range.count} 页`
    doc.font('regular').fontSize(7.5).fillColor(MUTED).text(foot, margins.left, pageH - 32, { lineBreak: false })
  }
  doc.end()
  return done
}

export async function exportAudit(ctx: CoreContext, input: { from: string; to: string; format: 'csv' | 'pdf'; path?: string }): Promise<{ path: string; fileName: string; rows: number }> {
  const timezone = ctx.timezone()
  const now = ctx.clock.now()
  const records = auditPeriod(ctx.db, { from: input.from, to: input.to }, zoneOffset(timezone, now))
  const fileName = `审计日志-${input.from}-${input.to}.${input.format}`
  const path = input.path ? resolve(input.path) : join(ctx.paths.exports, fileName)
  let data: Buffer
  if (input.format === 'csv') data = Buffer.from(auditCsv(records, timezone), 'utf8')
  else {
    data = await auditPdf(records, {
      studio: readSettings(ctx.db).studioName || '工作室',
      from: input.from,
      to: input.to,
      timezone,
      generatedAt: localTime(now.toISOString(), timezone),
      verification: verifyAudit(ctx.db, now),
    })
  }
  try {
    writeOutput(path, data, { mode: PRIVATE_FILE })
  } catch (err) {
    throw new OrchardError('export_failed', `无法写入 ${path} / cannot write the export`, { file: path, why: (err as Error).message })
  }
  return { path, fileName: path.split(/[\\/]/).pop() ?? fileName, rows: records.length }
}

