import { expect, test } from './fixtures'
import { CustomersPage } from './page-models/customers'

const fenOf = (text: string) => Math.round(Number(text.replace(/[^\d.]/g, '')) * 100)

test('a customer’s categories add up to what they spent, refunds counted the same way', async ({ page, studio }) => {
  // A demo customer with a refunded order and few enough categories that the drawer lists them all.
  const refunded = studio.core.context.db
    .prepare(
      `SELECT o.customer_id AS id FROM orders o
       WHERE o.refunded_fen > 0 AND o.status NOT IN ('cancelled', 'pending') AND o.customer_id IS NOT NULL
         AND EXISTS (SELECT 1 FROM customer_phones cp WHERE cp.customer_id = o.customer_id)
         AND (SELECT COUNT(DISTINCT COALESCE(NULLIF(p.category, ''), '未分类')) FROM orders x JOIN order_lines l ON l.order_id = x.id
              LEFT JOIN products p ON p.id = l.product_id WHERE x.customer_id = o.customer_id) <= 8
       ORDER BY o.refunded_fen DESC LIMIT 1`,
    )
    .get() as { id: string } | undefined
  expect(refunded, 'the demo studio has a refunded order').toBeDefined()
  const customer = (await studio.core.invoke('customers', 'get', { id: refunded!.id })).customer

  // Found by their phone, which no one else has.
  const customers = new CustomersPage(page)
  await customers.open()
  await customers.search(customer.phones[0])
  await customers.expectTotal(1)
  await customers.openCustomer(customer.name)
  const drawer = customers.drawer()
  const total = drawer.getByTestId('customer-total-spent')
  await expect(total).toHaveText(/\d/)
  expect(fenOf(await total.innerText())).toBe(customer.totalSpentFen)
  await expect(drawer.getByTestId('customer-categories')).toBeVisible()
  const amounts = await drawer.getByTestId('customer-category-amount').allInnerTexts()
  expect(amounts.length).toBeGreaterThan(0)
  expect(amounts.reduce((sum, a) => sum + fenOf(a), 0)).toBe(customer.totalSpentFen)
})
