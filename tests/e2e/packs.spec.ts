import { expect, test } from './fixtures'

test('an operator generates the day’s packs for two members and sees them as the members will on their phones', async ({ page, studio, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  const members = (await studio.core.invoke('members', 'all', {})).filter((m) => m.status === 'active').slice(0, 2)
  await page.getByTestId('nav-packs').click()

  await page.getByTestId('packs-who').getByText('指定会员').click()
  const pick = async (testid: string, text: string) => {
    await page.getByTestId(testid).click()
    await page.keyboard.type(text)
    await page.keyboard.press('Enter')
    await page.keyboard.press('Escape')
  }
  for (const m of members) await pick('packs-members', m.inviteCode)
  await pick('packs-products', 'MZ-1001')
  await pick('packs-products', 'SP-1001')

  // The checker first: the demo catalogue's copy passes it.
  await page.getByTestId('packs-check').click()
  await expect(page.getByTestId('packs-findings')).toContainText('检查通过')

  await page.getByTestId('packs-start').click()
  await expect(page.getByTestId('packs-status')).toHaveText('已完成', { timeout: 60_000 })
  const job = (await studio.core.invoke('packs', 'jobs', {}))[0]
  expect(job).toMatchObject({ status: 'done', members: 2, done: job.total })
  await expect(page.getByTestId('packs-progress')).toContainText(`${job.total} / ${job.total}`)

  // The first member's pack opens: one moments post per product, its 9-grid, its copy.
  await expect(page.getByTestId('packs-owner')).toHaveCount(2)
  const phone = page.getByTestId('pack-phone')
  await expect(phone.getByTestId('pack-post')).toHaveCount(2)
  const firstPost = phone.getByTestId('pack-post').first()
  // Two 1:1 posters and the price comparison for MZ-1001.
  await expect(firstPost.getByTestId('pack-grid').locator('img')).toHaveCount(3)
  const text = (await firstPost.getByTestId('pack-post-text').innerText()).trim()
  expect(text).toContain('¥')
  await firstPost.getByTestId('pack-copy').click()
  await expect(page.getByText('已复制')).toBeVisible()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text)

  // The group chat: the same products as messages.
  await page.getByTestId('packs-phone-tab').getByText('群聊').click()
  await expect(phone.getByTestId('pack-bubble')).toHaveCount(2)
  await expect(page.getByTestId('packs-schedule').locator('li')).toHaveCount(4)

  // The second member's pack is their own.
  await page.getByTestId('packs-owner').nth(1).click()
  await expect(page.getByTestId('packs-owner').nth(1)).toHaveClass(/on/)
  await expect(phone.getByTestId('pack-bubble')).toHaveCount(2)
})

test('a pack that breaks the Advertising Law is blocked with the finding shown', async ({ page, studio }) => {
  const product = (await studio.core.invoke('products', 'list', { search: 'MZ-1001' })).rows[0]
  await studio.core.invoke('products', 'update', { id: product.id, patch: { name: `${product.name} 全网最低` } })
  await page.getByTestId('nav-packs').click()
  await page.getByTestId('packs-products').click()
  await page.keyboard.type('MZ-1001')
  await page.keyboard.press('Enter')
  await page.keyboard.press('Escape')
  await page.getByTestId('packs-start').click()
  const findings = page.getByTestId('packs-findings')
  await expect(findings).toContainText('必须先改')
  await expect(findings).toContainText('全网最低')
  expect(await studio.core.invoke('packs', 'jobs', {})).toEqual([])
})
