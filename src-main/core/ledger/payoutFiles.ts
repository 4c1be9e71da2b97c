import { basename, join, resolve } from 'node:path'
import ExcelJS from 'exceljs'
import type { PayoutBatchDetail } from '../../../src-shared/contracts/ledger'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import { CSV_BOM, csvLine } from '../spreadsheet/cells'
import { actorOf, appendAudit } from '../audit/audit'
import { ownerOnly, PRIVATE_FILE } from '../housekeeping'
import { produceOutput, writeOutput } from '../jobs/outputs'
import { readSettings } from '../settings/settings'
import { open } from './keystore'
import { batchDetail } from './settlement'

/** Yuan with two decimals, from integer fen, without a float in between. */
export const yuanText = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`

interface PayoutLine {
  no: number
  account: string
  holder: string
  bank: string
  amountFen: number
  memo: string
  detailNo: string
}

/**
 * A payout file: a few lines that describe the batch (where the layout has them), the
 * header row, and one row per payment.
 */
interface PayoutLayout {
  name: string
  /** Label/value rows above the table. */
  head(batch: PayoutBatchDetail, studio: string): [string, string | number][]
  headers: string[]
  row(line: PayoutLine): (string | number)[]
  /** Which columns are money (written as numbers with two decimals in XLSX). */
  money: number[]
}

/**
 * The layouts studios upload for batch payouts. Columns follow what each channel's
 * batch payout asks for; check them against the template your own account offers
 * before the first upload (banks differ in column order):
 *
 *  - bank — corporate e-banking batch transfer (批量转账 / 代发), one row per payee with
 *    the fields Chinese banks' batch templates ask for: payee account number, account
 *    holder's name, the payee's bank, amount in yuan, purpose (用途/附言);
 *  - alipay — Alipay batch transfer to Alipay accounts (批量转账到支付宝账户). The fields
 *    are those of Alipay's transfer API (alipay.fund.trans.uni.transfer, and the detail
 *    record of the older batch payout batch_trans_notify, 流水号^收款方账号^收款账号姓名^
 *    付款金额^备注说明): a serial number, the payee's Alipay login (phone or e-mail),
 *    the payee's real name (Alipay checks it against the account), amount in yuan with
 *    two decimals, remark — under the batch number, count and total;
 *  - wechat — WeChat Pay merchant transfer to balance (商家转账到零钱, WeChat Pay API v3
 *    POST /v3/transfer/batches, pay.weixin.qq.com/docs/merchant/apis/batch-transfer-to-
 *    balance): merchant batch number (letters and digits), batch name and remark, total
 *    amount and count; per payment a merchant detail number (letters and digits), the
 *    payee's openid, real name, amount, and a remark of at most 32 characters.
 */
const LAYOUTS: Record<PayoutBatchDetail['channel'], PayoutLayout> = {
  bank: {
    name: '银行批量转账',
    head: () => [],
    headers: ['序号', '收款账号', '收款户名', '收款银行', '金额（元）', '用途'],
    row: (l) => [l.no, l.account, l.holder, l.bank, yuanText(l.amountFen), l.memo],
    money: [4],
  },
  alipay: {
    name: '支付宝批量转账',
    head: (b) => [
      ['批次号', b.batchNo],
      ['总笔数', b.lines.length],
      ['总金额（元）', yuanText(b.totalFen)],
    ],
    headers: ['序号', '收款方支付宝账号', '收款方姓名', '金额（元）', '备注'],
    row: (l) => [l.no, l.account, l.holder, yuanText(l.amountFen), l.memo],
    money: [3],
  },
  wechat: {
    name: '微信商家转账到零钱',
    head: (b, studio) => [
      ['商家批次单号', b.batchNo],
      ['批次名称', `${studio}佣金提现`.slice(0, 32)],
      ['批次备注', `佣金提现 ${b.batchNo}`.slice(0, 32)],
      ['转账总金额（元）', yuanText(b.totalFen)],
      ['转账总笔数', b.lines.length],
    ],
    headers: ['商家明细单号', '收款用户openid', '收款用户姓名', '转账金额（元）', '转账备注'],
    row: (l) => [l.detailNo, l.account, l.holder, yuanText(l.amountFen), l.memo],
    money: [3],
  },
}

/**
 * Writes a batch's payout file (CSV or XLSX) — the one place a member's full account
 * number leaves the encrypted store: decrypted here, written into the file, never
 * returned to the console or logged. Written under a temporary name and renamed when
 * complete, readable by the studio's own user only (0600), as the ledger's reports are. Failed and paid lines of a marked batch are written as they were sent.
 */
export async function exportPayoutFile(ctx: CoreContext, input: { id: string; format: 'csv' | 'xlsx'; path?: string }): Promise<{ fileName: string; path: string; rows: number }> {
  const db = ctx.db
  const batch = batchDetail(db, input.id)
  const layout = LAYOUTS[batch.channel]
  const studio = readSettings(db).studioName
  const key = ctx.keyStore.dataKey()
  const secretOf = db.prepare('SELECT secret FROM payout_accounts WHERE id = ?').pluck()
  const lines: PayoutLine[] = batch.lines.map((w) => {
    const secret = w.account ? (secretOf.get(w.account.id) as Buffer | undefined) : undefined
    if (!w.account || !secret) {
      throw new OrchardError('no_payout_account', `第 ${w.lineNo} 笔（${w.memberName ?? w.memberCode}）的收款账户已不存在 / line ${w.lineNo}: the payout account is gone`, {
        field: `lines.${(w.lineNo ?? 1) - 1}`,
        value: w.memberCode,
      })
    }
    return {
      no: w.lineNo ?? 0,
      account: open(key, secret),
      holder: w.account.holder,
      bank: w.account.bank ?? '',
      amountFen: w.amountFen,
      memo: `${studio}佣金提现 ${batch.batchNo}`.slice(0, 32),
      detailNo: `${batch.batchNo}D${String(w.lineNo).padStart(4, '0')}`,
    }
  })
  const target = input.path ? resolve(input.path) : join(ctx.paths.exports, `${batch.batchNo}-${layout.name}.${input.format}`)
  const head = layout.head(batch, studio)
  if (input.format === 'csv') {
    const rows = [...head.map((h) => csvLine(h)), ...(head.length ? ['\r\n'] : []), csvLine(layout.headers), ...lines.map((l) => csvLine(layout.row(l)))]
    writeOutput(target, CSV_BOM + rows.join(''), { mode: PRIVATE_FILE })
  } else {
    const book = new ExcelJS.Workbook()
    const sheet = book.addWorksheet(layout.name)
    for (const h of head) sheet.addRow(h)
    if (head.length) sheet.addRow([])
    sheet.addRow(layout.headers).font = { bold: true }
    for (const l of lines) {
      const cells = layout.row(l).map((c, i) => (layout.money.includes(i) ? Number(c) : c))
      const row = sheet.addRow(cells)
      // Account numbers stay text: as numbers a spreadsheet shows 6.22E+18 and drops digits.
      row.getCell(2).numFmt = '@'
      for (const i of layout.money) row.getCell(i + 1).numFmt = '0.00'
    }
    sheet.columns.forEach((c, i) => (c.width = i === 1 ? 24 : 16))
    await produceOutput(target, (temp) => book.xlsx.writeFile(temp), ownerOnly)
  }
  const now = ctx.clock.now()
  db.transaction(() => {
    db.prepare('UPDATE payout_batches SET exported_at = ? WHERE id = ?').run(now.toISOString(), batch.id)
    appendAudit(
      db,
      actorOf(ctx),
      {
        kind: 'payout.batch_exported',
        entity: 'payout_batch',
        entityId: batch.id,
        summary: `导出打款文件 ${basename(target)}（${layout.name}，${lines.length} 笔）/ payout file exported`,
        after: { file: basename(target), format: input.format, lines: lines.length },
      },
      now,
    )
  })()
  return { fileName: basename(target), path: target, rows: lines.length }
}
