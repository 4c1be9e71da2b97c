import { expect, test } from './fixtures'

test('an operator hands a leaving member’s customers, groups and care tasks to another member and sees what moved', async ({ page, studio }) => {
  const db = studio.core.context.db
  // The active member owning the most customers who also runs a group, and a member to take over.
  const from = db
    .prepare(
      `SELECT m.id, m.name FROM members m WHERE m.status = 'active' AND EXISTS (SELECT 1 FROM groups g WHERE g.owner_member_id = m.id)
        ORDER BY (SELECT COUNT(*) FROM customers c WHERE c.owner_member_id = m.id) DESC, m.id LIMIT 1`,
    )
    .get() as { id: string; name: string }
  const to = db.prepare("SELECT id, name, invite_code AS code FROM members WHERE status = 'active' AND id <> ? AND (mentor_id IS NULL OR mentor_id <> ?) ORDER BY join_date, id LIMIT 1").get(from.id, from.id) as {
    id: string
    name: string
    code: string
  }
  const expected = await studio.core.invoke('members', 'handoverPreview', { fromMemberId: from.id, toMemberId: to.id })
  const theirCustomers = db.prepare('SELECT name FROM customers WHERE owner_member_id = ? ORDER BY name').pluck().all(from.id) as string[]

  // The member's drawer, opened by a link as the customers screen does.
  await page.goto(`${new URL(studio.url).origin}/#/members?member=${from.id}`)
  const drawer = page.getByTestId('member-detail')
  await expect(drawer).toContainText(from.name)
  await drawer.getByTestId('member-handover').click()
  const dialog = page.getByTestId('handover-dialog')
  await expect(dialog).toContainText(`交接「${from.name}」的客户与社群`)
  await expect(dialog.getByTestId('handover-confirm')).toBeDisabled()
  await dialog.getByTestId('handover-to').click()
  await page.keyboard.type(to.code)
  await page.locator('.n-base-select-option').filter({ hasText: to.name }).first().click()

  // The counts before anything moves.
  for (const k of ['customers', 'groups', 'tasks', 'followUps'] as const) {
    await expect(dialog.getByTestId(`handover-count-${k}`)).toHaveAttribute('data-value', String(expected[k]))
  }
  expect(expected.customers).toBeGreaterThan(0)
  expect(db.prepare('SELECT COUNT(*) FROM customers WHERE owner_member_id = ?').pluck().get(from.id)).toBe(expected.customers)

  await dialog.getByTestId('handover-confirm').click()
  const moved = dialog.getByTestId('handover-result')
  await expect(moved).toContainText(`「${from.name}」→「${to.name}」：客户 ${expected.customers} 位、社群 ${expected.groups} 个`)
  await expect(moved.getByTestId('handover-moved-customers').locator('.n-tag')).toHaveCount(expected.customers)
  await expect(moved.getByTestId('handover-moved-customers')).toContainText(theirCustomers[0])
  await expect(moved.getByTestId('handover-moved-groups').locator('.n-tag')).toHaveCount(expected.groups)

  // In the studio's records: nothing left with the member, who is marked as left.
  expect(db.prepare('SELECT COUNT(*) FROM customers WHERE owner_member_id = ?').pluck().get(from.id)).toBe(0)
  expect(db.prepare('SELECT COUNT(*) FROM groups WHERE owner_member_id = ?').pluck().get(from.id)).toBe(0)
  expect(db.prepare("SELECT COUNT(*) FROM care_tasks WHERE status = 'open' AND owner_kind IN ('member', 'mentor') AND owner_id = ?").pluck().get(from.id)).toBe(0)
  expect((await studio.core.invoke('members', 'get', { id: from.id })).status).toBe('left')

  await dialog.getByTestId('handover-close').click()
  await expect(dialog).toBeHidden()
  await expect(drawer).toContainText('已离开')
})
