import { expect, test } from './fixtures'

test('an operator writes a group-chat variant: the checker flags a forbidden claim live, and the fixed text is saved for packs', async ({ page, studio }) => {
  await page.getByTestId('nav-copy').click()
  await page.getByTestId('copy-channel').getByText('群聊').click()
  const shipped = page.getByTestId('copy-variant')
  await expect(shipped.first().getByTestId('copy-tried')).toBeVisible()
  const count = await shipped.count()

  await page.getByTestId('copy-add').click()
  const fresh = shipped.nth(count)
  await fresh.getByTestId('copy-body').locator('textarea').fill('全网最低！{name} 只要 {price}')
  await expect(fresh.getByTestId('copy-finding').first()).toContainText('广告法')
  await expect(fresh.locator('.bad').first()).toHaveText('全网最低')
  await fresh.getByTestId('copy-save').click()
  await expect(page.getByText('文案未通过检查')).toBeVisible()
  expect((await studio.core.invoke('copyTemplates', 'list', {})).some((r) => r.body.includes('全网最低'))).toBe(false)

  await fresh.getByTestId('copy-body').locator('textarea').fill('今天的好物：{name}，团购价 {price}{listNote}')
  await expect(fresh.getByTestId('copy-finding')).toHaveCount(0)
  await expect(fresh.getByTestId('copy-tried')).toContainText('团购价 ¥')
  await fresh.getByTestId('copy-save').click()
  await expect(page.getByText('文案已保存')).toBeVisible()
  const saved = (await studio.core.invoke('copyTemplates', 'list', {})).find((r) => r.body.startsWith('今天的好物'))
  expect(saved).toMatchObject({ channel: 'group', tone: 'all', active: true })
})

test('the forbidden-claims list is the studio’s to edit', async ({ page, studio }) => {
  await page.getByTestId('nav-copy').click()
  const words = page.getByTestId('copy-words')
  await words.locator('.n-dynamic-tags').getByRole('button').last().click()
  await page.keyboard.type('秒杀')
  await page.keyboard.press('Enter')
  await expect(page.getByText('禁用词已更新')).toBeVisible()
  expect(await studio.core.invoke('copyTemplates', 'words', {})).toContain('秒杀')
})
