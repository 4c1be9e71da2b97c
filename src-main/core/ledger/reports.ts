import { once } from 'node:events'
import { createWriteStream, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, join, resolve } from 'node:path'
import ExcelJS from 'exceljs'
import PDFDocument from 'pdfkit'
import QRCode from 'qrcode'
import type { Statement, Summary } from '../../../src-shared/contracts/ledger'
import { OrchardError } from '../../../src-shared/errors'
import { LEDGER_KIND_LABELS, LEDGER_STATUS_LABELS } from '../../../src-shared/vocabulary'
import type { CoreContext } from '../context'
import { CSV_BOM, csvLine } from '../spreadsheet/cells'
import { dayIn } from '../clock'
import { ownerOnly } from '../housekeeping'
import { produceOutput } from '../jobs/outputs'
import { readSettings } from '../settings/settings'
import { statement as readStatement, summary as readSummary } from './queries'

const require = createRequire(import.meta.url)
/** The shipped OFL font, so statements print Chinese on any machine. */
const FONT = require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf')
const FONT_BOLD = require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf')

const yuan = (fen: number) => (fen / 100).toFixed(2)
const money = (fen: number) => `${fen < 0 ? '-' : ''}¥${Math.abs(fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`

interface Table {
  title: string
  subtitle: string
  headers: string[]
  /** Right-aligned columns (money). */
  numeric: boolean[]
  rows: (string | number)[][]
  footer: { label: string; value: string }[]
  /** A statement's member page (会员小站) as a QR in the corner, when the member has a link. */
  qrPng?: Buffer
}

function summaryTable(s: Summary, studio: string): Table {
  return {
    title: `${studio} · 佣金应付汇总`,
    subtitle: `账期 ${s.period ?? '全部'} · 金额单位：元`,
    headers: ['会员', '邀请码', '条数', '应得', '待审', '已批准', '已支付', '已驳回', '未付'],
    numeric: [false, false, true, true, true, true, true, true, true],
    rows: s.members.map((m) => [m.memberName ?? '（未知会员）', m.memberCode, m.entries, yuan(m.earnedFen), yuan(m.pendingFen), yuan(m.approvedFen), yuan(m.paidFen), yuan(m.rejectedFen), yuan(m.owedFen)]),
    footer: [
      { label: '应得合计', value: money(s.totals.earnedFen) },
      { label: '已支付', value: money(s.totals.paidFen) },
      { label: '未付合计', value: money(s.totals.owedFen) },
      { label: '会员费（已收，不计佣金）', value: money(s.feesFen) },
    ],
  }
}

function statementTable(s: Statement, studio: string, zone: string): Table {
  const row = (e: Statement['entries'][number], kind: string) => [dayIn(zone, new Date(e.occurredAt)), kind, e.memo, LEDGER_STATUS_LABELS[e.status].zh, yuan(e.amountFen)]
  return {
    title: `${studio} · 佣金对账单`,
    subtitle: `${s.member.name ?? s.member.code}（${s.member.code}）· 账期 ${s.period}${s.closed ? '（已结账）' : ''} · 金额单位：元`,
    headers: ['日期', '类型', '说明', '状态', '金额'],
    numeric: [false, false, false, false, true],
    rows: [
      ['', '期初', '此前各期余额（不含已驳回）', '', yuan(s.openingFen)],
      ...s.entries.map((e) => row(e, LEDGER_KIND_LABELS[e.kind].zh)),
      // Entries for months closed before they arrived: booked here, named by their own month.
      ...s.adjustments.map((e) => row(e, `调整（属于 ${e.period}）· ${LEDGER_KIND_LABELS[e.kind].zh}`)),
      ['', '期末', '期初 + 本期账目 + 调整', '', yuan(s.closingFen)],
    ],
    footer: [
      { label: '本期应得', value: money(s.totals.earnedFen - s.adjustments.filter((e) => e.status !== 'rejected' && e.kind !== 'withdrawal').reduce((n, e) => n + e.amountFen, 0)) },
      ...(s.adjustments.length ? [{ label: '调整合计', value: money(s.adjustmentsFen) }] : []),
      ...(s.withdrawnFen ? [{ label: '本期提现', value: money(s.withdrawnFen) }] : []),
      { label: '待审', value: money(s.totals.pendingFen) },
      { label: '已批准', value: money(s.totals.approvedFen) },
      { label: '已支付', value: money(s.totals.paidFen) },
      { label: '期末余额', value: money(s.closingFen) },
    ],
  }
}

async function writePdf(table: Table, path: string): Promise<void> {
  const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: table.title, Creator: 'Orchard 果园' } })
  doc.registerFont('body', FONT)
  doc.registerFont('bold', FONT_BOLD)
  const out = createWriteStream(path)
  doc.pipe(out)
  const left = doc.page.margins.left
  const width = doc.page.width - left - doc.page.margins.right
  // Column widths: the memo-like column takes what the others leave.
  const weights = table.headers.map((h, i) => (table.numeric[i] ? 1 : h === '说明' ? 4 : h === '会员' ? 1.6 : 1.1))
  const sum = weights.reduce((a, b) => a + b, 0)
  const widths = weights.map((w) => (w / sum) * width)

  doc.font('bold').fontSize(18).fillColor('#1f2d24').text(table.title, left, 48)
  doc.font('body').fontSize(10).fillColor('#5b6b60').text(table.subtitle)
  doc.moveDown(0.8)
  if (table.qrPng) {
    const size = 64
    const y = doc.y
    doc.image(table.qrPng, left + width - size, 40, { width: size, height: size })
    doc.font('body').fontSize(7).fillColor('#5b6b60').text('扫码看我的会员小站', left + width - size - 10, 40 + size + 2, { width: size + 20, align: 'center', lineBreak: false })
    doc.y = Math.max(y, 40 + size + 16)
  }

  const header = () => {
    const y = doc.y
    doc.rect(left, y - 3, width, 20).fill('#eef4ef')
    let x = left
    doc.font('bold').fontSize(9).fillColor('#1f2d24')
    table.headers.forEach((h, i) => {
      doc.text(h, x + 4, y + 2, { width: widths[i] - 8, align: table.numeric[i] ? 'right' : 'left', lineBreak: false })
      x += widths[i]
    })
    doc.y = y + 20
  }
  header()
  doc.font('body').fontSize(9)
  table.rows.forEach((row, n) => {
    const heights = row.map((cell, i) => doc.heightOfString(String(cell), { width: widths[i] - 8 }))
    const h = Math.max(...heights) + 8
    if (doc.y + h > doc.page.height - doc.page.margins.bottom - 40) {
      doc.addPage()
      doc.y = doc.page.margins.top
      header()
      doc.font('body').fontSize(9)
    }
    const y = doc.y
    if (n % 2 === 1) doc.rect(left, y - 2, width, h).fill('#f8faf8')
    let x = left
    row.forEach((cell, i) => {
      const text = String(cell)
      doc.fillColor(table.numeric[i] && text.startsWith('-') ? '#b3261e' : '#2b2b2b')
      doc.text(text, x + 4, y + 2, { width: widths[i] - 8, align: table.numeric[i] ? 'right' : 'left' })
      x += widths[i]
    })
    doc.y = y + h
  })
  doc.moveDown(1)
  for (const f of table.footer) {
    const y = doc.y
    doc.font('body').fontSize(10).fillColor('#5b6b60').text(f.label, left + width / 2, y, { width: width / 4 })
    doc.font('bold').fillColor('#1f2d24').text(f.value, left + (width * 3) / 4, y, { width: width / 4, align: 'right' })
    doc.y = y + 18
  }
  doc.font('body').fontSize(8).fillColor('#8a968d').text('佣金只来自真实销售的商品，最多两级（卖货的人与其师父）；会员费只入账，不计佣金。', left, doc.page.height - 70, { width })
  doc.end()
  await once(out, 'finish')
}

async function writeXlsx(table: Table, path: string): Promise<void> {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet(table.title.slice(0, 31).replace(/[\\/?*[\]:]/g, ' '))
  sheet.addRow([table.title])
  sheet.addRow([table.subtitle])
  sheet.addRow(table.headers).font = { bold: true }
  for (const r of table.rows) sheet.addRow(r.map((c, i) => (table.numeric[i] && typeof c === 'string' && c !== '' ? Number(c) : c)))
  sheet.addRow([])
  for (const f of table.footer) sheet.addRow([f.label, f.value])
  sheet.columns.forEach((c, i) => (c.width = table.headers[i] === '说明' ? 48 : 14))
  await book.xlsx.writeFile(path)
}

function writeCsv(table: Table, path: string): void {
  const lines = [csvLine(table.headers), ...table.rows.map((r) => csvLine(r.map(String)))]
  writeFileSync(path, CSV_BOM + lines.join(''))
}

/** Writes the summary or a statement as CSV, XLSX or PDF — under a temporary name, renamed when complete. */
export async function exportReport(
  ctx: CoreContext,
  input: { report: 'summary' | 'statement'; format: 'csv' | 'xlsx' | 'pdf'; period: string; memberId?: string; path?: string },
): Promise<{ fileName: string; path: string; rows: number }> {
  const studioName = readSettings(ctx.db).studioName
  let table: Table
  let name: string
  if (input.report === 'statement') {
    if (!input.memberId) {
      throw new OrchardError('invalid_input', '对账单需要指定会员 / a statement needs a member', { field: 'memberId' })
    }
    const s = readStatement(ctx.db, input.memberId, input.period)
    table = statementTable(s, studioName, ctx.timezone())
    name = `statement-${s.member.code}-${input.period}`
    const pageUrl = input.format === 'pdf' ? (ctx.memberPageUrl?.(input.memberId) ?? null) : null
    if (pageUrl) table.qrPng = await QRCode.toBuffer(pageUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 1, width: 256 })
  } else {
    table = summaryTable(readSummary(ctx.db, input.period), studioName)
    name = `ledger-summary-${input.period}`
  }
  const target = input.path ? resolve(input.path) : join(ctx.paths.exports, `${name}.${input.format}`)
  await produceOutput(
    target,
    async (temp) => {
      if (input.format === 'pdf') await writePdf(table, temp)
      else if (input.format === 'xlsx') await writeXlsx(table, temp)
      else writeCsv(table, temp)
    },
    ownerOnly,
  )
  return { fileName: basename(target), path: target, rows: table.rows.length }
}
