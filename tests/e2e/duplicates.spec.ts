import type { Customer } from '../../src-shared/schemas'
import { expect, test } from './fixtures'
import { ConsolePage } from './page-models/console'
import { CustomersPage } from './page-models/customers'

/**
 * 查重 on the customers screen: a customer entered twice (the same name at the same address)
 * is found, merged with the per-field preview — its orders joining the kept customer's — and
 * the merge undone from 合并记录. The preview is photographed in both languages and themes.
 */
test('an operator finds a customer entered twice, merges the two with a per-field preview and undoes it', async ({ page, studio }, testInfo) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  const book = (await studio.core.invoke('customers', 'list', { limit: 500, sort: { field: 'orderCount', dir: 'desc' } })).rows
  const buyers = book.filter((c) => c.orderCount > 0 && c.addresses.length > 0)
  // The console keeps the customer with more orders by default.
  const kept = buyers[0]
  const other = buyers.find((c) => c.orderCount < kept.orderCount)!
  // The second buyer was entered again under the first's name and address (with a space in it).
  const twin: Customer = await studio.core.invoke('customers', 'update', {
    id: other.id,
    patch: { name: kept.name, addresses: [kept.addresses[0].replace(/(.{4})/, '$1 ')] },
  })
  const ordersOf = (id: string) => studio.core.context.db.prepare('SELECT COUNT(*) AS n FROM orders WHERE customer_id = ?').pluck().get(id) as number
  const keptOrders = ordersOf(kept.id)
  const twinOrders = ordersOf(twin.id)
  expect(twinOrders).toBeGreaterThan(0)

  const customers = new CustomersPage(page)
  await customers.open()
  await page.getByTestId('customers-duplicates').click()
  const dialog = page.getByTestId('duplicates-dialog')
  const group = dialog.getByTestId('duplicates-group').filter({ hasText: `同名同地址：${kept.name}` })
  await expect(group).toHaveCount(1)
  await group.getByTestId('duplicates-merge-open').click()

  // The one with more orders is kept by default; its values win unless another is picked, lists are joined.
  const preview = dialog.getByTestId('duplicates-preview')
  await expect(preview.getByTestId('duplicates-result-phones')).toHaveText([...kept.phones, ...twin.phones].join('\n'))
  await expect(preview.getByTestId('duplicates-result-addresses')).toHaveText(kept.addresses.join('\n'))
  await expect(preview.getByTestId('duplicates-summary')).toContainText(`订单 ${twinOrders}`)
  await expect(preview.getByTestId('duplicates-summary')).toContainText(`合并后：${kept.orderCount + twin.orderCount} 单`)
  if (kept.relClass !== twin.relClass) {
    await preview.getByTestId('duplicates-choose-relClass-merged').click()
    await expect(preview.getByTestId('duplicates-field-relClass').locator('td.wins')).toHaveCount(1)
  }

  // Looked at in both languages and both themes before anything is written.
  const shell = new ConsolePage(page)
  for (const lang of ['zh-CN', 'en-US'] as const) {
    if (lang === 'en-US') {
      await page.keyboard.press('Escape')
      await shell.switchLanguage()
      await page.getByTestId('customers-duplicates').click()
      await dialog.getByTestId('duplicates-group').filter({ hasText: `Same name and address: ${kept.name}` }).getByTestId('duplicates-merge-open').click()
      await expect(preview.getByTestId('duplicates-summary')).toContainText(`Afterwards: ${kept.orderCount + twin.orderCount} orders`)
      if (kept.relClass !== twin.relClass) await preview.getByTestId('duplicates-choose-relClass-merged').click()
    }
    for (const theme of ['light', 'dark'] as const) {
      if ((await page.getByTestId('theme-switch').getAttribute('data-theme')) !== theme) {
        await page.keyboard.press('Escape')
        await shell.setTheme(theme)
        await page.getByTestId('customers-duplicates').click()
        await dialog.getByTestId('duplicates-group').filter({ hasText: kept.name }).first().getByTestId('duplicates-merge-open').click()
        if (kept.relClass !== twin.relClass) await preview.getByTestId('duplicates-choose-relClass-merged').click()
      }
      await expect(preview.getByTestId('duplicates-fields')).toBeVisible()
      await page.waitForTimeout(400)
      await page.screenshot({ path: testInfo.outputPath(`duplicates-preview-${lang}-${theme}.png`) })
    }
  }
  await page.keyboard.press('Escape')
  await shell.setTheme('light')
  await shell.switchLanguage()
  await page.getByTestId('customers-duplicates').click()
  await dialog.getByTestId('duplicates-group').filter({ hasText: `同名同地址：${kept.name}` }).getByTestId('duplicates-merge-open').click()
  if (kept.relClass !== twin.relClass) await preview.getByTestId('duplicates-choose-relClass-merged').click()
  await preview.getByTestId('duplicates-merge-confirm').click()
  await expect(page.getByText(`已将「${kept.name}」合并到「${kept.name}」`)).toBeVisible()

  // In the studio: the twin is gone, its orders are the kept customer's, the figures add up.
  await expect(dialog.getByTestId('duplicates-group').filter({ hasText: `同名同地址：${kept.name}` })).toHaveCount(0)
  const merged = await studio.core.invoke('customers', 'get', { id: kept.id })
  expect(merged.customer).toMatchObject({ phones: [...kept.phones, ...twin.phones], orderCount: kept.orderCount + twin.orderCount, totalSpentFen: kept.totalSpentFen + twin.totalSpentFen, relClass: twin.relClass })
  expect(ordersOf(kept.id)).toBe(keptOrders + twinOrders)
  expect(ordersOf(twin.id)).toBe(0)
  expect((await studio.core.invoke('customers', 'list', { search: twin.phones[0] })).rows.map((c) => c.id)).toEqual([kept.id])

  // Undone from 合并记录: both customers back as they were, each with its own orders.
  await dialog.locator('.n-tabs-tab', { hasText: '合并记录' }).click()
  const row = dialog.getByTestId('duplicates-merge-row').first()
  await expect(row).toContainText(`「${kept.name}」并入「${kept.name}」`)
  await page.screenshot({ path: testInfo.outputPath('duplicates-merges-zh-CN-light.png') })
  await row.getByTestId('duplicates-undo').click()
  await expect(page.getByText(`已撤销合并，「${kept.name}」已恢复`)).toBeVisible()
  await expect(row).toContainText('撤销')
  expect(ordersOf(kept.id)).toBe(keptOrders)
  expect(ordersOf(twin.id)).toBe(twinOrders)
  const back = await studio.core.invoke('customers', 'get', { id: twin.id })
  expect(back.customer).toMatchObject({ name: twin.name, phones: twin.phones, addresses: twin.addresses, orderCount: twin.orderCount, totalSpentFen: twin.totalSpentFen })
  expect((await studio.core.invoke('customers', 'get', { id: kept.id })).customer).toMatchObject({ phones: kept.phones, relClass: kept.relClass, orderCount: kept.orderCount })
})

test('a trainer sees duplicates with contacts masked and no merge button; the merge is refused over HTTP', async ({ page, studio }) => {
  const book = (await studio.core.invoke('customers', 'list', { limit: 50 })).rows
  const [a, b] = book.filter((c) => c.addresses.length > 0)
  await studio.core.invoke('customers', 'update', { id: b.id, patch: { name: a.name, addresses: [a.addresses[0]] } })
  const before = await studio.core.invoke('customers', 'list', { limit: 500 })
  studio.core.context.session = { profileId: null, role: 'trainer', name: '林老师' }
  await page.reload()

  const customers = new CustomersPage(page)
  await customers.open()
  await page.getByTestId('customers-duplicates').click()
  const group = page.getByTestId('duplicates-dialog').getByTestId('duplicates-group').filter({ hasText: a.name }).first()
  await expect(group).toContainText('****')
  for (const p of [...a.phones, ...b.phones]) await expect(group).not.toContainText(p)
  await expect(group.getByTestId('duplicates-merge-open')).toHaveCount(0)

  const http = await fetch(`http://127.0.0.1:${studio.host.port}/api/call/duplicates.merge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${studio.host.token}` },
    body: JSON.stringify({ survivorId: a.id, mergedId: b.id }),
  })
  const res = { status: http.status, body: (await http.json()) as { error: { code: string } } }
  expect(res.status).toBe(403)
  expect(res.body.error.code).toBe('forbidden')
  studio.core.context.session = { profileId: null, role: 'operator', name: '小周' }
  expect(await studio.core.invoke('customers', 'list', { limit: 500 })).toEqual(before)
})
