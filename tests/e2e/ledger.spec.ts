import { expect, test } from './fixtures'

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

test('a statement closes at its opening plus the month’s entries', async ({ page, studio }) => {
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
  expect(await fen('statement-closing')).toBe((await fen('statement-opening')) + (await fen('statement-earned')))
  await expect(page.getByTestId('payout-accounts')).toBeVisible()
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
