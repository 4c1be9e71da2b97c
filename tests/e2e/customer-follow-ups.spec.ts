import { addDays } from '../../src-shared/time'
import { runningClockFrom } from '../../src-main/core/clock'
import { expect, test } from './fixtures'
import { CustomersPage } from './page-models/customers'
import { CarePage, ProfileSwitch } from './page-models/lifecycle'
import { studioClock } from './studio'

test('an operator records a follow-up; its next day is the owning member’s task, and missed it goes up to the manager', async ({ page, studio }) => {
  // Three screens, a day's planning round on the demo studio, a reload and a profile switch: over a minute on a shared machine.
  test.setTimeout(180_000)
  // A demo customer with a phone of their own, owned by a member whose mentor is still with the team.
  const c = studio.core.context.db
    .prepare(
      `SELECT c.id, c.name, m.id AS memberId, m.name AS memberName, mentor.name AS mentorName, MIN(p.phone) AS phone
         FROM customers c JOIN members m ON m.id = c.owner_member_id JOIN members mentor ON mentor.id = m.mentor_id
         JOIN customer_phones p ON p.customer_id = c.id
        WHERE m.status = 'active' AND mentor.status = 'active' GROUP BY c.id ORDER BY c.rowid LIMIT 1`,
    )
    .get() as { id: string; name: string; memberId: string; memberName: string; mentorName: string; phone: string }
  const { today } = await studioClock(studio)
  const tomorrow = addDays(today, 1)

  const customers = new CustomersPage(page)
  await customers.open()
  await customers.search(c.phone)
  await customers.expectTotal(1)
  await customers.openCustomer(c.name)
  const section = customers.drawer().getByTestId('customer-follow-ups')
  await expect(section).toContainText('还没有跟进记录')
  await section.getByTestId('follow-up-channel').getByText('电话').click()
  await section.getByTestId('follow-up-summary').locator('textarea').fill('电话问了纸尿裤尺码，明天发试用装链接')
  await section.getByRole('button', { name: '1 天后' }).click()
  await section.getByTestId('follow-up-add').click()
  const record = section.getByTestId('follow-up-record')
  await expect(record).toHaveCount(1)
  await expect(record).toContainText('电话')
  await expect(record).toContainText('小周')
  await expect(record).toContainText('电话问了纸尿裤尺码')
  await expect(record.getByTestId('follow-up-next-state')).toHaveText(`${tomorrow} 由 ${c.memberName} 跟进`)
  expect(await studio.core.invoke('customers', 'followUps', { customerId: c.id })).toEqual([
    expect.objectContaining({ channel: 'call', nextDay: tomorrow, byName: '小周', nextState: 'open' }),
  ])

  // Tomorrow's care list holds the follow-up, the owning member's, and it leads back to the customer.
  await page.keyboard.press('Escape')
  const care = new CarePage(page)
  await care.open()
  await page.getByTestId('care-next-day').click()
  // Listed under the members (a mentor who is also an owning member comes first as 师父).
  await page.locator(`[data-testid="care-owner"][data-owner="${c.memberName}"]`).last().click()
  const row = care.rows().filter({ hasText: `跟进客户 ${c.name}` })
  await expect(row).toHaveCount(1)
  await expect(row).toContainText(c.memberName)
  await expect(row).toContainText('归属会员')
  await expect(row).toContainText('客户跟进')
  await row.getByTestId('care-customer-link').click()
  await expect(customers.drawer()).toBeVisible()
  await expect(customers.drawer()).toContainText(c.name)
  await expect(customers.drawer().getByTestId('follow-up-record')).toHaveCount(1)
  await page.keyboard.press('Escape')

  // The day passes with nobody following up: the hourly round escalates it to the mentor and the manager.
  const late = addDays(tomorrow, 1)
  studio.core.context.clock = runningClockFrom(Date.parse(`${late}T09:30:00+08:00`))
  await studio.core.invoke('care', 'plan', {})
  await page.reload()
  await expect(page.getByTestId('nav-dashboard')).toBeVisible()
  const profile = new ProfileSwitch(page)
  await profile.switchTo('陈姐', '8888')
  await care.open()
  const missed = `${c.memberName} 未按期跟进客户 ${c.name}`
  // The manager finds it among their own tasks…
  await page.getByTestId('care-owner-mine').click()
  const mine = care.rows().filter({ hasText: missed })
  await expect(mine).toHaveCount(1)
  await expect(mine).toContainText('管理者')
  await expect(mine).toContainText('跟进逾期（升级）')
  // …and the member's mentor among theirs.
  await page.locator(`[data-testid="care-owner"][data-owner="${c.mentorName}"]`).first().click()
  await expect(care.rows().filter({ hasText: missed })).toContainText('师父')
  await page.getByTestId('care-owner-mine').click()
  await mine.getByTestId('care-customer-link').click()
  await expect(customers.drawer().getByTestId('follow-up-next-state')).toHaveText(`${tomorrow} 未按期跟进 · 已升级`)
})
