import { expect, test } from './fixtures'

test('the console switches to English and back', async ({ page, studio }) => {
  void studio
  await expect(page.getByTestId('nav-customers')).toContainText('客户')
  await expect(page.getByTestId('dashboard-customers-count')).toHaveAttribute('data-value', '2000')
  await page.getByTestId('lang-switch').click()
  await expect(page.getByTestId('nav-customers')).toContainText('Customers')
  await expect(page.getByText('Sales, last 30 days')).toBeVisible()
  await page.reload()
  await expect(page.getByTestId('nav-customers')).toContainText('Customers')
  await page.getByTestId('lang-switch').click()
  await expect(page.getByTestId('nav-customers')).toContainText('客户')
})
