import { timeIn } from '../../src-shared/time'
import { expect, test } from './fixtures'
import { CustomersPage } from './page-models/customers'
import { ProfileSwitch } from './page-models/lifecycle'

test('a manager backs up, and restores the backup from Settings after a mistake', async ({ page, studio }) => {
  await new ProfileSwitch(page).switchTo('陈姐', '8888')
  await page.getByTestId('nav-settings').click()
  await page.getByTestId('settings-backup-now').click()
  await expect(page.getByText(/已备份：orchard-manual-/)).toBeVisible()
  const manual = page.getByTestId('settings-backups').locator('tr', { hasText: 'orchard-manual-' })
  await expect(manual).toHaveCount(1)

  // The mistake: a customer that should not be there.
  await studio.core.invoke('customers', 'create', { name: '误建客户', phones: ['13600001111'] })

  await manual.getByRole('button', { name: '恢复' }).click()
  await page.locator('.n-dialog').getByRole('button', { name: '恢复' }).click()
  await expect(page.getByText('已恢复', { exact: true })).toBeVisible()
  await expect(page.getByTestId('settings-busy')).toBeHidden()
  // What was replaced is kept as a backup of its own, offered like the others.
  await expect(page.getByTestId('settings-backups').locator('tr', { hasText: 'orchard-pre-restore-' })).toHaveCount(1)
  await page.locator('.n-dialog').getByRole('button', { name: '确定' }).click()

  const customers = new CustomersPage(page)
  await customers.open()
  await customers.search('误建客户')
  await customers.expectTotal(0)
  expect((await studio.core.invoke('customers', 'list', { search: '误建客户' })).total).toBe(0)
})

test('changing the studio’s time zone in Settings changes the dates on every screen at once', async ({ page, studio }) => {
  // The team's time zone is the manager's to change.
  await new ProfileSwitch(page).switchTo('陈姐', '8888')
  const newest = (await studio.core.invoke('orders', 'list', { limit: 1 })).rows[0]
  const orders = page.getByTestId('orders-table')
  await page.getByTestId('nav-orders').click()
  await expect(orders.locator('tbody tr').first()).toContainText(timeIn('Asia/Shanghai', Date.parse(newest.placedAt)))

  await page.getByTestId('nav-settings').click()
  await page.getByTestId('settings-backup-now').click()
  const backup = (await studio.core.invoke('backups', 'list', {}))[0]
  const backups = page.getByTestId('settings-backups')
  await expect(backups.locator('tr', { hasText: backup.fileName })).toContainText(timeIn('Asia/Shanghai', Date.parse(backup.createdAt)))

  const zone = page.getByTestId('settings-timezone')
  await zone.click()
  await zone.locator('input').fill('Los_Angeles')
  await page.locator('.n-base-select-option', { hasText: 'America/Los_Angeles' }).click()
  await expect(page.getByText('已保存设置').first()).toBeVisible()
  expect((await studio.core.invoke('settings', 'get', {})).timezone).toBe('America/Los_Angeles')

  // No reload: this screen and the orders both read the new zone.
  await expect(backups.locator('tr', { hasText: backup.fileName })).toContainText(timeIn('America/Los_Angeles', Date.parse(backup.createdAt)))
  await page.getByTestId('nav-orders').click()
  await expect(orders.locator('tbody tr').first()).toContainText(timeIn('America/Los_Angeles', Date.parse(newest.placedAt)))
})

test('an operator backs up but cannot restore, replace the studio or turn backups off', async ({ page, studio }) => {
  await new ProfileSwitch(page).expectRole('operator')
  await page.getByTestId('nav-settings').click()
  await page.getByTestId('settings-backup-now').click()
  const manual = page.getByTestId('settings-backups').locator('tr', { hasText: 'orchard-manual-' })
  await expect(manual).toHaveCount(1)
  await expect(manual.getByRole('button', { name: '恢复' })).toBeDisabled()
  await expect(page.getByTestId('settings-demo-clear')).toBeDisabled()
  await expect(page.getByTestId('settings-demo-reseed')).toBeDisabled()
  await expect(page.getByTestId('settings-auto-backup')).toHaveClass(/n-switch--disabled/)
  await expect(page.getByTestId('settings-feed')).toHaveClass(/n-input--disabled/)
  // The team's time zone and currency are a manager's; the invite link is the team tree's, an operator's too.
  await expect(page.getByTestId('settings-timezone').locator('.n-base-selection')).toHaveClass(/n-base-selection--disabled/)
  await expect(page.getByTestId('settings-currency').locator('.n-base-selection')).toHaveClass(/n-base-selection--disabled/)
  await expect(page.getByTestId('settings-invite')).not.toHaveClass(/n-input--disabled/)
  await expect(studio.core.invoke('settings', 'update', { timezone: 'Asia/Tokyo' })).rejects.toMatchObject({ code: 'forbidden' })
  await expect(page.getByTestId('settings-managers-only')).toBeVisible()
  // The core refuses it either way.
  const backups = await studio.core.invoke('backups', 'list')
  await expect(studio.core.invoke('backups', 'restore', { fileName: backups[0].fileName })).rejects.toMatchObject({ code: 'forbidden' })
})
