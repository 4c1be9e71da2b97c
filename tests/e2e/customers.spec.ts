import { expect, test } from './fixtures'
import { CustomersPage } from './page-models/customers'

test('an operator creates a customer, finds them by a Chinese search and edits them', async ({ page, studio }) => {
  const customers = new CustomersPage(page)
  await customers.open()

  await customers.create({ name: '欧阳娜娜', phone: '139 1234 5678', wechat: 'ouyang_nana' })
  await expect(page.getByText('已新建客户：欧阳娜娜')).toBeVisible()

  // one and two characters: the queries a trigram index alone cannot answer
  await customers.search('欧')
  await expect(customers.row('欧阳娜娜')).toHaveCount(1)
  await customers.search('娜娜')
  await expect(customers.row('欧阳娜娜')).toHaveCount(1)
  // a phone fragment as people type it, with a space
  await customers.search('1234 5678')
  await expect(customers.row('欧阳娜娜')).toHaveCount(1)

  await customers.openCustomer('欧阳娜娜')
  await expect(customers.drawer()).toContainText('+8613912345678')
  await customers.edit({ name: '欧阳娜' })
  await expect(customers.drawer()).toContainText('欧阳娜')
  await page.keyboard.press('Escape')

  await customers.search('欧阳娜')
  await expect(customers.row('欧阳娜')).toHaveCount(1)
  await expect(customers.row('欧阳娜娜')).toHaveCount(0)
  // and the change is in the studio's records, not only on the screen
  const stored = await studio.core.invoke('customers', 'list', { search: '欧阳娜' })
  expect(stored.rows.map((c) => c.name)).toEqual(['欧阳娜'])
})

test('a bad phone number is refused on its own field', async ({ page }) => {
  const customers = new CustomersPage(page)
  await customers.open()
  await customers.create({ name: '测试客户', phone: '12345678' })
  await expect(page.getByTestId('customer-form-phone-error')).toContainText('不是有效的电话号码')
})
