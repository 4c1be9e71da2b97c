import { expect, test } from './fixtures'
import { CarePage, TemperaturePage } from './page-models/lifecycle'

test.use({ permissions: ['clipboard-read', 'clipboard-write'] })

test('an operator copies a script, marks a task done with a note and skips two with a reason', async ({ page, studio }) => {
  const care = new CarePage(page)
  await care.open()
  const day = await studio.core.invoke('care', 'calendar', { status: ['open'], limit: 3 })
  expect(day.rows.length).toBe(3)
  const [first, second, third] = day.rows
  const openBefore = (await studio.core.invoke('care', 'calendar', { limit: 1 })).counts.open

  // The script of the first task, filled in for its member, goes to the clipboard.
  const firstRow = care.rows().filter({ hasText: first.title }).first()
  await firstRow.getByTestId('care-copy').click()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first.script)

  await firstRow.getByTestId('care-done').click()
  await care.confirm('已私聊，约好今晚进群')
  await expect(care.count('open')).toHaveAttribute('data-value', String(openBefore - 1))
  const done = await studio.core.invoke('care', 'task', { id: first.id })
  expect(done).toMatchObject({ status: 'done', note: '已私聊，约好今晚进群', doneBy: '小周' })

  // Two at once: a skip needs a reason before it can be confirmed.
  for (const task of [second, third]) {
    await care.rows().filter({ hasText: task.title }).filter({ hasText: task.memberName ?? task.groupName ?? '' }).first().locator('.n-checkbox').click()
  }
  await expect(page.getByTestId('care-bulk')).toContainText('已选 2 项')
  await page.getByTestId('care-bulk-skip').click()
  await expect(page.getByTestId('care-complete-submit')).toBeDisabled()
  await care.confirm('本周线下活动已覆盖')
  for (const task of [second, third]) {
    expect(await studio.core.invoke('care', 'task', { id: task.id })).toMatchObject({ status: 'skipped', note: '本周线下活动已覆盖' })
  }
  await expect(care.count('open')).toHaveAttribute('data-value', String(openBefore - 3))
  // Handled tasks leave the open list.
  await expect(care.rows().filter({ hasText: first.title }).filter({ hasText: first.memberName ?? first.groupName ?? '' })).toHaveCount(0)
})

test('a member timeline opens from the care list and shows the care step just done', async ({ page, studio }) => {
  const care = new CarePage(page)
  await care.open()
  const day = await studio.core.invoke('care', 'calendar', { status: ['open'], limit: 50 })
  // Due today: a task of an earlier day leaves today's list once it is done.
  const task = day.rows.find((r) => r.memberId && r.dueDay === day.date)
  if (!task) throw new Error('no member task due today')
  await studio.core.invoke('care', 'complete', { ids: [task.id], status: 'done', note: '电话聊了二十分钟' })
  await care.open()
  await page.getByTestId('care-status').getByText('已完成').click()
  await care.task(task.id).getByTestId('care-member-link').click()
  const drawer = page.getByTestId('timeline-drawer')
  await expect(drawer).toBeVisible()
  await expect(drawer.getByTestId('member-timeline')).toHaveAttribute('data-member', task.memberId!)
  await expect(drawer.getByTestId('timeline-entry').filter({ hasText: task.title }).first()).toContainText('已完成')
})

test('rituals entered by hand score the day; a CSV with bad rows is refused with each row located', async ({ page, studio }) => {
  const temperature = new TemperaturePage(page)
  await temperature.open()
  const group = await page.getByTestId('temperature-group').getAttribute('data-group')
  const groups = await studio.core.invoke('groups', 'list', {})
  const groupId = groups.find((g) => g.name === group)!.id

  await page.getByTestId('temperature-log').click()
  await expect(page.getByTestId('ritual-modal')).toBeVisible()
  await temperature.setRitual('morning', 1)
  await temperature.setRitual('night', 1)
  await temperature.setRitual('training', 1)
  await temperature.setRitual('goal', 0)
  await temperature.setRitual('red_envelope', 2)
  await temperature.setRitual('showcase', 4)
  await temperature.setRitual('replies', 150)
  await expect(page.getByTestId('ritual-preview')).toHaveText('90')
  await page.getByTestId('ritual-save').click()
  await expect(page.getByTestId('ritual-modal')).toBeHidden()
  const today = (await studio.core.invoke('care', 'overview', {})).date
  const series = await studio.core.invoke('temperature', 'series', { groupId, from: today, to: today })
  expect(series.days[0]).toMatchObject({ logged: true, score: 90, source: 'manual' })

  // An activity log with an unknown group and a count that is not a number: nothing is written.
  const yesterday = series.average.length ? new Date(Date.parse(`${today}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10) : today
  const before = await studio.core.invoke('temperature', 'series', { groupId, from: yesterday, to: yesterday })
  await temperature.importCsv('活动记录.csv', ['日期,社群,类型,数量', `${yesterday},${group},早安,1`, `${yesterday},没有这个群,晚安,1`, `${yesterday},${group},回复,很多`].join('\n'))
  const result = page.getByTestId('activity-import-result')
  await expect(result).toHaveAttribute('data-committed', 'false')
  const errors = page.getByTestId('activity-import-errors')
  await expect(errors).toContainText('没有这个群')
  await expect(errors).toContainText('找不到这个社群')
  await expect(errors).toContainText('很多')
  await expect(errors.locator('tbody tr')).toHaveCount(2)
  await expect(errors.locator('tbody tr').nth(0)).toContainText('3')
  await expect(errors.locator('tbody tr').nth(1)).toContainText('4')
  const after = await studio.core.invoke('temperature', 'series', { groupId, from: yesterday, to: yesterday })
  expect(after.days[0]).toEqual(before.days[0])
})
