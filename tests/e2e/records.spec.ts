import type { Page } from '@playwright/test'
import { expect, test, type Studio } from './fixtures'
import { CustomersPage } from './page-models/customers'
import { ProfileSwitch } from './page-models/lifecycle'

/** What the studio stores for everyone, read straight from its database (no role's masking in between). */
function stored(studio: Studio, id: string): { phones: string[]; addresses: string[]; wechatId: string | null; notes: string } {
  const row = studio.core.context.db.prepare('SELECT phones, addresses, wechat_id, notes FROM customers WHERE id = ?').get(id) as {
    phones: string
    addresses: string
    wechat_id: string | null
    notes: string
  }
  return { phones: JSON.parse(row.phones), addresses: JSON.parse(row.addresses), wechatId: row.wechat_id, notes: row.notes }
}

function customerId(studio: Studio, name: string): string {
  return (studio.core.context.db.prepare('SELECT id FROM customers WHERE name = ? LIMIT 1').get(name) as { id: string }).id
}

async function editNote(page: Page, customers: CustomersPage, name: string, note: string) {
  await customers.search(name)
  // The row of exactly this name (王芳, not 王芳倩).
  await customers.rows().filter({ has: page.getByText(name, { exact: true }) }).first().click()
  await expect(customers.drawer()).toBeVisible()
  await page.getByTestId('customer-edit').click()
  const form = page.getByTestId('customer-form')
  await expect(form).toBeVisible()
  // What the trainer sees masked is shown read-only: no input to type into, and said why.
  await expect(page.getByTestId('customer-form-masked')).toBeVisible()
  await expect(page.getByTestId('customer-form-addresses-readonly')).toBeVisible()
  await expect(page.getByTestId('customer-form-phones-readonly')).toBeVisible()
  await expect(page.getByTestId('customer-form-phone')).toHaveCount(0)
  await expect(page.getByTestId('customer-form-wechat')).toHaveAttribute('readonly', '')
  await page.getByTestId('customer-form-notes').fill(note)
  await page.getByTestId('customer-form-save').click()
  await expect(form).toBeHidden()
  await expect(page.getByText(`已保存客户：${name}`)).toBeVisible()
}

test('a trainer’s edit of a customer’s note leaves the real phones, addresses and WeChat id intact', async ({ page, studio }) => {
  // Both are the demo studio's own, as the issue saw them.
  const jiang = customerId(studio, '蒋强东')
  const wang = customerId(studio, '王芳')
  const before = { jiang: stored(studio, jiang), wang: stored(studio, wang) }
  expect(before.jiang.addresses.length).toBeGreaterThan(0)
  expect(before.wang.phones.length).toBeGreaterThan(0)

  await new ProfileSwitch(page).switchTo('林老师', '2222')
  const customers = new CustomersPage(page)
  await customers.open()
  await editNote(page, customers, '蒋强东', '周末再联系')
  await page.keyboard.press('Escape')
  await editNote(page, customers, '王芳', '喜欢国货')

  expect(stored(studio, jiang)).toEqual({ ...before.jiang, notes: '周末再联系' })
  expect(stored(studio, wang)).toEqual({ ...before.wang, notes: '喜欢国货' })
  // Only the note was sent and recorded, once per save.
  const fields = studio.core.context.db.prepare("SELECT field FROM record_changes WHERE record_id IN (?, ?) AND source = 'console' AND op = 'update'").all(jiang, wang)
  expect(fields).toEqual([{ field: 'notes' }, { field: 'notes' }])
})

test('an operator still edits the same contacts, which the form shows in full', async ({ page, studio }) => {
  const customers = new CustomersPage(page)
  await customers.open()
  await customers.search('蒋强东')
  await customers.openCustomer('蒋强东')
  await page.getByTestId('customer-edit').click()
  await expect(page.getByTestId('customer-form-masked')).toHaveCount(0)
  await expect(page.getByTestId('customer-form-phone')).toBeEditable()
  await page.getByTestId('customer-form-phone').fill('138 0013 8000')
  await page.getByTestId('customer-form-save').click()
  await expect(page.getByText('已保存客户：蒋强东')).toBeVisible()
  expect(stored(studio, customerId(studio, '蒋强东')).phones).toEqual(['+8613800138000'])
})

test('a trainer cannot change a product’s commission rate: read-only on the page, refused over the API', async ({ page, studio }) => {
  await new ProfileSwitch(page).switchTo('林老师', '2222')
  await page.getByTestId('nav-products').click()
  await page.getByTestId('products-search').locator('input').fill('SP-1007')
  const row = page.getByTestId('products-table').locator('tbody tr').filter({ hasText: 'SP-1007' })
  await expect(row).toHaveCount(1)
  await row.getByTestId('product-edit').click()
  await expect(page.getByTestId('product-form')).toBeVisible()
  await expect(page.getByTestId('product-commission')).toBeDisabled()
  await expect(page.getByTestId('product-mentor-commission')).toBeDisabled()
  await expect(page.getByTestId('product-sale-price').locator('input')).toBeDisabled()
  await expect(page.getByTestId('product-name').locator('input')).toBeEditable()

  // The same change sent straight to the API, as the console's own transport would send it.
  const product = (await studio.core.invoke('products', 'list', { search: 'SP-1007' })).rows[0]
  const answer = await page.evaluate(
    async ({ url, token, id }) => {
      const res = await fetch(`${url}/api/call/products.update`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ id, patch: { commissionBp: 3500 } }),
      })
      return { status: res.status, body: await res.json() }
    },
    { url: new URL(studio.url).origin, token: studio.host.token, id: product.id },
  )
  expect(answer).toMatchObject({ status: 403, body: { ok: false, error: { code: 'forbidden', details: { field: 'commissionBp' } } } })
  expect((studio.core.context.db.prepare('SELECT commission_bp FROM products WHERE id = ?').get(product.id) as { commission_bp: number }).commission_bp).toBe(2000)
})
