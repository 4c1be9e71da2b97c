import { readFileSync } from 'node:fs'
import { expect, test } from './fixtures'
import { ImportPage } from './page-models/import'

test('a manager drills from a member’s owed figure to the entries and the order they came from', async ({ page }) => {
  await page.getByTestId('nav-ledger').click()
  const table = page.getByTestId('ledger-members')
  await expect(table.locator('tbody tr').first()).toBeVisible()
  const first = table.locator('tbody tr').first()
  await first.locator('a.figure').first().click()
  const drawer = page.getByTestId('ledger-entries')
  await expect(drawer).toBeVisible()
  await drawer.getByTestId('ledger-entry-row').first().click()
  const detail = page.getByTestId('ledger-entry-detail')
  await expect(detail).toBeVisible()
  await expect(detail.getByTestId('ledger-source-order')).toHaveText(/\S+/)
})

test('figures that drill down look like links; the entries fill the drawer with their total; an entry leads to its order and the order to its customer', async ({ page, studio }) => {
  await page.getByTestId('nav-ledger').click()
  const table = page.getByTestId('ledger-members')
  await expect(table.locator('tbody tr').first()).toBeVisible()
  const figure = table.locator('tbody tr').first().locator('a.figure').first()
  const looks = await figure.evaluate((el) => ({ line: getComputedStyle(el).textDecorationLine, color: getComputedStyle(el).color, text: getComputedStyle(el.closest('td')!).color }))
  expect(looks.line).toContain('underline')
  expect(looks.color).not.toBe(looks.text)
  const figureText = await figure.innerText()
  await figure.click()

  const drawer = page.getByTestId('ledger-entries')
  await expect(drawer).toBeVisible()
  const rows = drawer.getByTestId('ledger-entry-row')
  await expect(rows.first()).toBeVisible()
  // The table takes the drawer's height, not a fixed 360 px.
  expect((await drawer.locator('.n-data-table').boundingBox())!.height).toBeGreaterThan(500)
  // Its total is the figure it was opened from.
  await expect(drawer.getByTestId('ledger-entries-total')).toHaveText(figureText)
  await expect(drawer.getByTestId('ledger-entries-count')).toContainText(/合计 \d+/)

  // Entry → its order on the orders screen → that order's customer.
  await rows.first().click()
  const source = page.getByTestId('ledger-entry-detail').getByTestId('ledger-source-order')
  const orderNo = (await source.innerText()).trim()
  await source.click()
  await expect(page.getByTestId('orders-search').locator('input')).toHaveValue(orderNo)
  const order = (await studio.core.invoke('orders', 'list', { search: orderNo })).rows.find((o) => o.orderNo === orderNo)!
  expect(order.customerId).toBeTruthy()
  const link = page.getByTestId('order-customer-link').first()
  await expect(link).toHaveText(order.customerName!)
  await link.click()
  await expect(page.getByTestId('customer-drawer')).toBeVisible()
  await expect(page.getByTestId('customer-drawer')).toContainText(order.customerName!)
})

test('a statement closes at its opening plus the month’s entries, adjustments and withdrawals', async ({ page, studio }) => {
  const members = await studio.core.invoke('ledger', 'summary', {})
  const top = members.members[0]
  await page.getByTestId('nav-ledger').click()
  await page.getByText('会员对账单').click()
  await expect(page.getByTestId('statement-closing')).toBeVisible()
  await page.getByTestId('statement-member').click()
  await page.keyboard.type(top.memberCode)
  // Pick the filtered option itself: Enter before the filter has applied would take the first member listed.
  await page.locator('.n-base-select-option', { hasText: top.memberCode }).click()
  // The sheet shows the chosen member before its figures are read.
  await expect(page.getByTestId('ledger-statement').locator('h3')).toContainText(top.memberCode)
  const fen = async (id: string) => Number(await page.getByTestId(id).getAttribute('data-fen'))
  const expected = await studio.core.invoke('ledger', 'statement', { memberId: top.memberId!, period: (await page.getByTestId('statement-period').innerText()).trim() })
  await expect(page.getByTestId('statement-closing')).toHaveAttribute('data-fen', String(expected.closingFen))
  const optional = async (id: string) => ((await page.getByTestId(id).count()) ? fen(id) : 0)
  expect(await fen('statement-closing')).toBe((await fen('statement-opening')) + (await fen('statement-earned')) + (await optional('statement-adjustments-total')) + (await optional('statement-withdrawn')))
  await expect(page.getByTestId('payout-accounts')).toBeVisible()
  // The member's money now: frozen, withdrawable, requested and paid, as the core reckons it.
  const [balance] = await studio.core.invoke('settlement', 'balances', { memberId: top.memberId! })
  await expect(page.getByTestId('settlement-withdrawable')).toHaveAttribute('data-fen', String(balance.withdrawableFen))
  await expect(page.getByTestId('settlement-frozen')).toHaveAttribute('data-fen', String(balance.frozenFen))
})

test('the compliance panel blocks paying per recruit, and the header says the workstation is not connected', async ({ page, studio }) => {
  studio.core.context.session = { profileId: null, role: 'manager', name: '陈姐' }
  await page.reload()
  await page.getByTestId('nav-schemes').click()
  await expect(page.getByTestId('scheme-save')).toBeEnabled()
  await page.getByTestId('scheme-per-recruit').locator('input').fill('50')
  await page.getByTestId('scheme-per-recruit').locator('input').blur()
  const finding = page.getByTestId('scheme-finding').filter({ hasText: '拉人头' })
  await expect(finding).toHaveAttribute('data-severity', 'blocking')
  await expect(page.getByTestId('scheme-save')).toBeDisabled()
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-phase', 'unenrolled')
})

/** The month before this one in the studio's time zone (the demo's Asia/Shanghai). */
function lastMonth(): string {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date()).split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

test('a manager closes last month; a refund for it that arrives later shows as an adjustment this month', async ({ page, studio }) => {
  const month = lastMonth()
  studio.core.context.session = { profileId: null, role: 'manager', name: '陈姐' }
  await page.reload()
  await page.getByTestId('nav-ledger').click()
  await page.locator('.n-tabs-tab', { hasText: '月结' }).click()
  await expect(page.getByTestId('close-months')).toContainText(month)
  await page.getByTestId('close-month').click()
  await page.getByRole('button', { name: '确认' }).click()
  await expect(page.getByTestId('closed-months')).toContainText(month)
  await expect(page.getByTestId('close-month')).toBeDisabled()

  // A refund of last month's order reaches the studio now.
  const db = studio.core.context.db
  const order = db
    .prepare(`SELECT o.id, o.total_fen, m.id AS member FROM orders o JOIN members m ON m.id = o.member_id WHERE o.status = 'paid' AND o.placed_at >= ? ORDER BY o.placed_at LIMIT 1`)
    .get(`${month}-05T00:00:00Z`) as { id: string; total_fen: number; member: string }
  db.prepare(`UPDATE orders SET status = 'partially_refunded', refunded_fen = ?, refunded_at = ?, updated_at = ? WHERE id = ?`).run(
    Math.floor(order.total_fen / 2),
    `${month}-20T02:00:00.000Z`,
    new Date().toISOString(),
    order.id,
  )
  await studio.core.invoke('ledger', 'post', {})
  const statement = await studio.core.invoke('ledger', 'statement', { memberId: order.member, period: month })
  await page.locator('.n-tabs-tab', { hasText: '会员对账单' }).click()
  await page.getByTestId('statement-member').click()
  await page.keyboard.type(statement.member.code)
  await page.locator('.n-base-select-option', { hasText: statement.member.code }).click()
  await expect(page.getByTestId('ledger-statement').locator('h3')).toContainText(statement.member.code)
  await expect(page.getByTestId('statement-adjustments')).toContainText(`属于 ${month}`)
  await expect(page.getByTestId('statement-closed')).toHaveAttribute('data-closed', 'false')
})

test('a manager approves withdrawals, exports a bank batch file with full account numbers and records a failed line', async ({ page, studio }) => {
  studio.core.context.session = { profileId: null, role: 'manager', name: '陈姐' }
  await page.reload()
  await page.getByTestId('nav-ledger').click()
  await page.locator('.n-tabs-tab', { hasText: '提现与打款' }).click()
  const requested = page.getByTestId('withdrawals-table').locator('tbody tr', { hasText: '待审批' })
  await expect(requested.first()).toBeVisible()
  // Approve the requests to bank cards.
  const bankRows = page.getByTestId('withdrawals-table').locator('tbody tr', { hasText: '银行卡' }).filter({ hasText: '待审批' })
  const n = await bankRows.count()
  expect(n).toBeGreaterThan(0)
  for (let i = 0; i < n; i++) {
    await bankRows.first().getByTestId('withdrawal-approve').click()
    await expect(bankRows).toHaveCount(n - i - 1)
  }
  await page.getByTestId('batch-create-bank').click()
  const drawer = page.getByTestId('batch-drawer')
  await expect(drawer.getByTestId('batch-lines')).toBeVisible()
  await expect(drawer.getByTestId('batch-lines')).not.toContainText(/6222\d{12}/)

  const download = page.waitForEvent('download')
  await drawer.getByTestId('batch-export-csv').click()
  const file = await download
  const lines = readFileSync(await file.path(), 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n')
  expect(lines[0]).toBe('序号,收款账号,收款户名,收款银行,金额（元）,用途')
  expect(lines[1]).toMatch(/^1,6222\d{12},[^,]+,[^,]+,\d+\.\d{2},/)

  // The first line failed at the bank: its money returns to the member's withdrawable balance.
  const first = drawer.getByTestId('batch-lines').locator('tbody tr').first()
  await first.locator('.n-checkbox').click()
  await drawer.getByTestId('batch-failed-reason').locator('input').fill('户名与账号不符')
  await drawer.getByTestId('batch-mark').click()
  await expect(drawer.getByTestId('batch-status')).toHaveAttribute('data-status', 'partly_failed')
  await expect(first).toContainText('户名与账号不符')
})

test('trainers see no payables', async ({ page, studio }) => {
  studio.core.context.session = { profileId: null, role: 'trainer', name: '林老师' }
  await page.reload()
  await page.getByTestId('nav-ledger').click()
  await expect(page.getByTestId('role-gate')).toBeVisible()
  await expect(page.getByTestId('ledger-members')).toHaveCount(0)
})

test('an older export keeps the newer state; the wizard takes the file’s for a ticked order', async ({ page, studio }) => {
  const db = studio.core.context.db
  const order = db
    .prepare(`SELECT o.order_no, o.placed_at, o.total_fen, m.invite_code AS code FROM orders o JOIN members m ON m.id = o.member_id WHERE o.status = 'paid' AND (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) = 1 LIMIT 1`)
    .get() as { order_no: string; placed_at: string; total_fen: number; code: string }
  db.prepare(`UPDATE orders SET status = 'partially_refunded', refunded_fen = 500, updated_at = ? WHERE order_no = ?`).run(new Date().toISOString(), order.order_no)
  const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
  const csv = `订单号,下单时间,状态,商品名称,数量,金额,退款金额,归属会员邀请码\n${order.order_no},${order.placed_at},已付款,商品,1,${yuan(order.total_fen)},,${order.code}\n`
  const wizard = new ImportPage(page)
  await wizard.open()
  await wizard.chooseFile('orders', { name: 'older.csv', content: csv })
  await wizard.continueToMode()
  await expect(page.getByTestId('import-older-keep')).toBeVisible()
  await wizard.run()
  const table = page.getByTestId('import-older-table')
  await expect(table).toContainText(order.order_no)
  await expect(table).toContainText('保留较新')
  expect(db.prepare('SELECT refunded_fen FROM orders WHERE order_no = ?').pluck().get(order.order_no)).toBe(500)
  await table.locator('tbody tr').first().locator('.n-checkbox').click()
  await page.getByTestId('import-apply-older').click()
  await expect(page.getByTestId('import-older-table')).toContainText('已采用文件')
  expect(db.prepare('SELECT status, refunded_fen FROM orders WHERE order_no = ?').get(order.order_no)).toEqual({ status: 'paid', refunded_fen: 0 })
})
