import { addDays } from '../../src-shared/time'
import { expect, test, type Studio } from './fixtures'
import { AuditPage, ProfileSwitch, RulesPage } from './page-models/lifecycle'
import { studioClock } from './studio'

/**
 * An active member of the demo studio with no sale below the price floor in the last
 * month, so the events this test logs are the only ones a price rule can count.
 */
async function cleanMember(studio: Studio) {
  const members = await studio.core.invoke('members', 'all', {})
  const since = addDays((await studioClock(studio)).today, -31)
  for (const m of members.filter((x) => x.status === 'active')) {
    const events = await studio.core.invoke('care', 'events', { memberId: m.id, types: ['price_below_floor'], from: since, limit: 1 })
    if (events.total === 0) return m
  }
  throw new Error('every active demo member sold below the floor this month')
}

test('a manager creates a rule, events trigger it, the manager approves, and the audit shows it', async ({ page, studio }) => {
  const profile = new ProfileSwitch(page)
  const rules = new RulesPage(page)
  const audit = new AuditPage(page)
  const member = await cleanMember(studio)
  const ruleName = '七天两次乱价扣五十'

  // The workstation starts on the least privileged profile; the manager switches with their PIN.
  await profile.expectRole('operator')
  await profile.switchTo('陈姐', '8888')
  await profile.expectRole('manager')

  await rules.open()
  await rules.createRule({ name: ruleName, event: '低于控价销售', threshold: 2, windowDays: 7, deductYuan: '50' })
  const ruleRow = rules.rulesTable().locator('tbody tr').filter({ hasText: ruleName })
  await expect(ruleRow).toContainText('扣除佣金 ¥50.00')
  await expect(ruleRow).toContainText('7 天内 2 次')
  // Typed in yuan, stored in fen.
  const stored = (await studio.core.invoke('rules', 'list', {})).find((r) => r.name === ruleName)
  expect(stored?.action).toMatchObject({ kind: 'penalty', amountFen: 5000 })
  expect(stored).toMatchObject({ eventType: 'price_below_floor', threshold: 2, windowDays: 7 })

  // Two sales below the price floor, logged in the console; the second one reaches the rule.
  await rules.logEvent(member.inviteCode, '低于控价销售', '群内 59 元出售面膜（控价 79 元）')
  await expect(page.getByTestId('event-proposed')).toBeVisible()
  await page.keyboard.press('Escape')
  await rules.logEvent(member.inviteCode, '低于控价销售', '朋友圈 55 元出售面膜')
  await expect(page.getByTestId('event-proposed')).toContainText(ruleName)
  await page.keyboard.press('Escape')

  // Evaluating again proposes nothing twice.
  const before = (await studio.core.invoke('approvals', 'list', { ruleId: stored!.id })).total
  expect(before).toBe(1)
  await rules.evaluate()
  await expect(page.getByText(/没有新的提议|新提议/)).toBeVisible()
  expect((await studio.core.invoke('approvals', 'list', { ruleId: stored!.id })).total).toBe(1)

  // The manager approves it with a reason.
  await rules.openApprovals()
  const row = rules.approvalRow(ruleName).filter({ hasText: member.name })
  await expect(row).toHaveCount(1)
  await expect(row).toContainText('扣除佣金 ¥50.00')
  await rules.approve(ruleName, '两次均有截图，核实无误')
  await expect(rules.approvalRow(ruleName)).toHaveCount(0)
  const decided = await studio.core.invoke('approvals', 'list', { ruleId: stored!.id, status: ['approved'] })
  expect(decided.rows).toHaveLength(1)
  expect(decided.rows[0]).toMatchObject({ memberId: member.id, decisionReason: '两次均有截图，核实无误', decidedBy: '陈姐' })

  // The audit log shows the approval and the rule, and the chain is intact.
  await audit.open()
  await expect(audit.chain()).toHaveAttribute('data-intact', 'true')
  await expect(audit.chain()).toContainText('审计链完整')
  const approval = audit.rows().filter({ hasText: '两次均有截图，核实无误' })
  await expect(approval).toHaveCount(1)
  await expect(approval).toContainText('批准')
  await expect(approval).toContainText('陈姐')
  await expect(audit.rows().filter({ hasText: `新建规则「${ruleName}」` })).toHaveCount(1)
  // The diff of the approval: the status went from proposed to approved.
  await approval.locator('.n-data-table-expand-trigger').click()
  await expect(page.getByTestId('audit-diff').first()).toContainText('approved')
})

test('an operator sees no approve button, and the core refuses their approval', async ({ page, studio }) => {
  const profile = new ProfileSwitch(page)
  const rules = new RulesPage(page)
  await profile.expectRole('operator')

  const waiting = await studio.core.invoke('approvals', 'list', { status: ['proposed'], limit: 5 })
  expect(waiting.total).toBeGreaterThan(0)

  await rules.open()
  await expect(page.getByTestId('rule-new')).toHaveCount(0)
  await expect(page.getByTestId('rules-evaluate')).toHaveCount(0)
  await rules.openApprovals()
  await expect(page.getByTestId('approvals-read-only')).toBeVisible()
  await expect(rules.approvals().locator('tbody tr').first()).toBeVisible()
  await expect(page.getByTestId('approval-approve')).toHaveCount(0)
  await rules.approvals().locator('tbody tr').first().click()
  await expect(page.getByTestId('approve-needs-manager')).toBeVisible()
  await expect(page.getByTestId('action-approve')).toHaveCount(0)
  await page.keyboard.press('Escape')

  // Hidden is not enough: the same call from this page's session is refused by the core.
  const id = waiting.rows[0].id
  const answer = await page.evaluate(async (actionId) => {
    const token = sessionStorage.getItem('orchard.token') ?? ''
    const res = await fetch('/api/call/approvals.approve', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ids: [actionId], reason: '运营自己批准' }),
    })
    return (await res.json()) as { ok: boolean; error?: { code: string; message: string } }
  }, id)
  expect(answer.ok).toBe(false)
  expect(answer.error?.code).toBe('forbidden')
  expect(answer.error?.message).toContain('管理者')
  const still = await studio.core.invoke('approvals', 'get', { id })
  expect(still.action.status).toBe('proposed')

  // The audit is a manager's screen: the operator is told so and offered the switch.
  await page.getByTestId('nav-audit').click()
  await expect(page.getByTestId('role-gate')).toBeVisible()
  await expect(page.getByTestId('audit-table')).toHaveCount(0)
})

test('a wrong PIN says how many attempts are left, and five lock the profile', async ({ page, studio }) => {
  const profile = new ProfileSwitch(page)
  await profile.enterPin('林老师', '0000')
  await expect(profile.pinError()).toContainText('还可再试 4 次')
  await expect(profile.pinError()).toHaveAttribute('data-attempts-left', '4')
  for (let i = 0; i < 4; i++) {
    await page.getByTestId('pin-input').fill('0000')
    await page.getByTestId('pin-submit').click()
    if (i < 3) await expect(profile.pinError()).toHaveAttribute('data-attempts-left', String(3 - i))
  }
  await expect(page.getByTestId('pin-locked')).toContainText('已锁定')
  await expect(page.getByTestId('pin-submit')).toBeDisabled()
  // Even the right PIN is refused while locked, and the workstation stays on the operator.
  const profiles = await studio.core.invoke('profiles', 'list', {})
  expect(profiles.find((p) => p.name === '林老师')?.lockedUntil).not.toBeNull()
  await profile.expectRole('operator')
})

test('a tampered audit record is found: the console says where the chain breaks and goes there', async ({ page, studio }) => {
  const profile = new ProfileSwitch(page)
  const audit = new AuditPage(page)
  await profile.switchTo('陈姐', '8888')
  await audit.open()
  await expect(audit.chain()).toHaveAttribute('data-intact', 'true')

  // Someone edits an old approval's reason straight in the database file.
  const db = studio.core.context.db
  const target = db.prepare("SELECT seq FROM audit_log WHERE kind = 'action.approved' ORDER BY seq LIMIT 1").get() as { seq: number }
  db.exec('DROP TRIGGER audit_log_no_update')
  db.prepare("UPDATE audit_log SET summary = replace(summary, '——', '——（已改）') WHERE seq = ?").run(target.seq)

  await page.getByTestId('audit-verify').click()
  await expect(audit.chain()).toHaveAttribute('data-intact', 'false')
  await expect(audit.chain()).toHaveAttribute('data-broken-seq', String(target.seq))
  await expect(audit.chain()).toContainText(`审计链在第 #${target.seq} 条记录处断开`)
  await expect(audit.chain()).toContainText('内容被改动')

  await page.getByTestId('audit-locate').click()
  const broken = audit.rows().filter({ has: page.locator('[data-broken="true"]') })
  await expect(broken).toHaveCount(1)
  await expect(broken).toContainText('（已改）')
  await expect(broken).toBeInViewport()
})

test.describe('a workstation without profiles', () => {
  test.use({ firstStart: 'empty' })

  test('asks for a first manager profile, and its screens open once it exists', async ({ page, studio }) => {
    const profile = new ProfileSwitch(page)
    await page.getByTestId('nav-care').click()
    await expect(page.getByTestId('role-gate-setup')).toBeVisible()
    await page.getByTestId('role-gate-setup-start').click()
    await expect(page.getByTestId('profiles-modal')).toBeVisible()
    await page.getByTestId('profile-form-name').fill('店长')
    await page.getByTestId('profile-form-pin').fill('2580')
    await page.getByTestId('profile-form-save').click()
    await profile.expectRole('manager')
    await page.keyboard.press('Escape')
    await expect(page.getByTestId('role-gate-setup')).toHaveCount(0)
    await expect(page.getByTestId('care-table')).toBeVisible()
    const profiles = await studio.core.invoke('profiles', 'list', {})
    expect(profiles.map((p) => [p.name, p.role])).toEqual([['店长', 'manager']])
  })
})

test('after a switch to a trainer, the customer an operator was looking at shows a masked phone', async ({ page }) => {
  const profile = new ProfileSwitch(page)
  await page.getByTestId('nav-customers').click()
  await expect(page.getByTestId('customers-table')).toHaveAttribute('data-loading', 'false')
  await page.getByTestId('customers-table').locator('tbody tr').first().click()
  const drawer = page.getByTestId('customer-drawer')
  await expect(drawer.locator('.mono').filter({ hasText: '+86' }).first()).toHaveText(/^\+86 1\d{2} \d{4} \d{4}$/)
  await page.keyboard.press('Escape')
  await expect(drawer).toBeHidden()
  await profile.switchTo('林老师', '2222')
  await expect(page.getByTestId('customers-table')).toHaveAttribute('data-loading', 'false')
  await page.getByTestId('customers-table').locator('tbody tr').first().click()
  await expect(drawer.locator('.mono').filter({ hasText: '+86' }).first()).toContainText('****')
})
