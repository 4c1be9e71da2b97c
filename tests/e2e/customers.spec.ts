import { readFileSync } from 'node:fs'
import Papa from 'papaparse'
import { expect, test } from './fixtures'
import { CustomersPage } from './page-models/customers'

test('an operator creates a customer, finds them by a Chinese search and edits them', async ({ page, studio }) => {
  const customers = new CustomersPage(page)
  await customers.open()

  await customers.create({ name: '欧阳娜娜', phone: '139 1234 5678', wechat: 'ouyang_nana' })
  await expect(page.getByText('已新建客户：欧阳娜娜')).toBeVisible()

  // one and two characters: the queries a trigram index alone cannot answer
  await customers.search('欧')
  await expect(customers.row('欧阳娜娜')).toHaveCount(1)
  await customers.search('娜娜')
  await expect(customers.row('欧阳娜娜')).toHaveCount(1)
  // a phone fragment as people type it, with a space
  await customers.search('1234 5678')
  await expect(customers.row('欧阳娜娜')).toHaveCount(1)

  await customers.openCustomer('欧阳娜娜')
  await expect(customers.drawer()).toContainText('+86 139 1234 5678')
  await customers.edit({ name: '欧阳娜' })
  await expect(customers.drawer()).toContainText('欧阳娜')
  await page.keyboard.press('Escape')

  await customers.search('欧阳娜')
  await expect(customers.row('欧阳娜')).toHaveCount(1)
  await expect(customers.row('欧阳娜娜')).toHaveCount(0)
  // and the change is in the studio's records, not only on the screen
  const stored = await studio.core.invoke('customers', 'list', { search: '欧阳娜' })
  expect(stored.rows.map((c) => c.name)).toEqual(['欧阳娜'])
})

test('a bad phone number is refused on its own field', async ({ page }) => {
  const customers = new CustomersPage(page)
  await customers.open()
  await customers.create({ name: '测试客户', phone: '12345678' })
  await expect(page.getByTestId('customer-form-phone-error')).toContainText('不是有效的电话号码')
})

test('an operator exports only the customers a search finds', async ({ page, studio }) => {
  const customers = new CustomersPage(page)
  await customers.open()
  const everyone = (await studio.core.invoke('customers', 'list', {})).total
  await customers.expectTotal(everyone)

  await customers.search('王')
  const found = (await studio.core.invoke('customers', 'list', { search: '王' })).total
  expect(found).toBeGreaterThan(0)
  expect(found).toBeLessThan(everyone)
  await customers.expectTotal(found)

  const file = await customers.export('filtered', 'csv')
  expect(file.fileName).toMatch(/^customers-filtered-.*\.csv$/)
  const rows = Papa.parse<string[]>(readFileSync(file.path, 'utf8').slice(1), { skipEmptyLines: true }).data.slice(1)
  // As many rows as the list counted, and the very customers the studio finds for 王.
  expect(rows).toHaveLength(found)
  const stored: string[] = []
  for (let offset = 0; offset < found; offset += 500) {
    const page = await studio.core.invoke('customers', 'list', { search: '王', limit: 500, offset })
    stored.push(...page.rows.map((c) => c.name))
  }
  expect(rows.map((r) => r[0]).sort()).toEqual(stored.sort())
  await expect(page.getByText(`已导出 ${found.toLocaleString()} 行`)).toBeVisible()
})

test('a search for a whole name lists that customer first with the match marked, and every role sees one phone format', async ({ page, studio }) => {
  // The exact one is the oldest: the list's own order (newest first) would put it last.
  await studio.core.invoke('customers', 'create', { name: '欧阳芳芳', phones: ['152 1234 3498'] })
  await studio.core.invoke('customers', 'create', { name: '欧阳芳芳华', phones: ['150 1234 6666'] })
  await studio.core.invoke('customers', 'create', { name: '李欧阳芳芳' })
  const customers = new CustomersPage(page)
  await customers.open()
  await customers.search('欧阳芳芳')
  await customers.expectTotal(3)
  const first = customers.rows().first()
  await expect(first.locator('.name')).toHaveText('欧阳芳芳')
  await expect(first.locator('mark.search-hit').first()).toHaveText('欧阳芳芳')
  await expect(customers.row('欧阳芳芳华').locator('mark.search-hit').first()).toHaveText('欧阳芳芳')
  await expect(first).toContainText('+86 152****3498')

  // A trainer sees contacts masked by the core: the same text on screen.
  studio.core.context.session = { profileId: null, role: 'trainer', name: '林老师' }
  await page.reload()
  await customers.open()
  await customers.search('欧阳芳芳')
  await customers.expectTotal(3)
  await expect(customers.rows().first()).toContainText('+86 152****3498')
  await expect(customers.row('欧阳芳芳华')).toContainText('+86 150****6666')
  await customers.openCustomer('欧阳芳芳华')
  await expect(customers.drawer()).toContainText('+86 150****6666')
})

test('with filter chips shown the customers table keeps its pagination on screen at 1440×900', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  const customers = new CustomersPage(page)
  await customers.open()
  const pagination = customers.table().locator('.n-data-table__pagination')
  await expect(pagination).toBeInViewport({ ratio: 1 })
  // A class and a tag: chips in the bar, and the clear-filters badge wraps onto a second line.
  const bar = page.getByTestId('customers-filters')
  const menu = page.locator('.n-base-select-menu:visible')
  // Each menu is gone before the next opens: one still fading out would offer its options first.
  await bar.locator('.n-select').nth(0).click()
  await menu.locator('.n-base-select-option').first().click()
  await page.keyboard.press('Escape')
  await expect(menu).toHaveCount(0)
  await bar.locator('.n-select').nth(1).click()
  await menu.locator('.n-base-select-option').first().click()
  await page.keyboard.press('Escape')
  await expect(menu).toHaveCount(0)
  await expect(page.getByTestId('customers-clear-filters')).toBeVisible()
  await expect(customers.table()).toHaveAttribute('data-loading', 'false')
  await expect(pagination).toBeInViewport({ ratio: 1 })
  const box = (await pagination.boundingBox())!
  expect(box.y + box.height).toBeLessThanOrEqual(900)
})

test('an operator tags every customer a search finds, then moves two ticked customers to class A', async ({ page, studio }) => {
  const customers = new CustomersPage(page)
  await customers.open()
  const everyone = async () => {
    const out = new Map<string, { name: string; tags: string[]; relClass: string }>()
    for (let offset = 0; ; offset += 500) {
      const page = await studio.core.invoke('customers', 'list', { offset, limit: 500 })
      for (const c of page.rows) out.set(c.id, c)
      if (out.size >= page.total) return out
    }
  }
  const before = await everyone()

  await customers.search('王')
  const found = await studio.core.invoke('customers', 'list', { search: '王', limit: 500 })
  expect(found.total).toBeGreaterThan(0)
  await customers.expectTotal(found.total)
  await expect(page.getByTestId('customers-bulk-scope')).toHaveText(`筛选出 ${found.total} 位客户`)
  await page.getByTestId('customers-bulk').click()
  await page.getByTestId('customers-bulk-addTags').click()
  const tags = page.getByTestId('customers-bulk-tags')
  await tags.click()
  await page.keyboard.type('春节回访')
  await page.keyboard.press('Enter')
  // The tag menu stays open over the buttons until the dialog is clicked elsewhere.
  await page.getByTestId('customers-bulk-dialog').locator('.n-card-header').click()
  await expect(tags).toContainText('春节回访')
  await page.getByTestId('customers-bulk-apply').click()
  await expect(page.getByText(`已修改 ${found.total} 位客户`)).toBeVisible()

  // Every customer the search found carries the tag, and no one else was touched.
  const hit = new Set(found.rows.map((c) => c.id))
  const tagged = await everyone()
  for (const [id, c] of before) expect(tagged.get(id)!.tags, c.name).toEqual(hit.has(id) ? [...c.tags, '春节回访'] : c.tags)

  // Ticked rows: two customers of the full list, moved to class A.
  await page.getByTestId('customers-clear-filters').click()
  await customers.expectTotal(before.size)
  await expect(page.getByTestId('customers-bulk-bar')).toHaveCount(0)
  const rows = customers.rows()
  // The list's first two rows are the book's first two customers in its default order.
  const firstTwo = (await studio.core.invoke('customers', 'list', { limit: 2 })).rows.map((c) => c.id)
  await expect(rows.nth(0).locator('.name')).toHaveText(before.get(firstTwo[0])!.name)
  await expect(rows.nth(1).locator('.name')).toHaveText(before.get(firstTwo[1])!.name)
  await rows.nth(0).locator('.n-data-table-td--selection .n-checkbox').click()
  await rows.nth(1).locator('.n-data-table-td--selection .n-checkbox').click()
  await expect(customers.drawer()).toHaveCount(0)
  await expect(page.getByTestId('customers-bulk-scope')).toHaveText('已勾选 2 位客户')
  await page.getByTestId('customers-bulk').click()
  await page.getByTestId('customers-bulk-setClass').click()
  await page.getByTestId('customers-bulk-class-A').click()
  await page.getByTestId('customers-bulk-apply').click()
  await expect(page.getByText(/已修改 \d 位客户（共选中 2 位）/)).toBeVisible()

  const after = await everyone()
  expect(firstTwo.map((id) => after.get(id)!.relClass)).toEqual(['A', 'A'])
  for (const [id, c] of tagged) if (!firstTwo.includes(id)) expect(after.get(id)!.relClass, c.name).toBe(c.relClass)
})
