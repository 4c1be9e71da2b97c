import type { Page } from '@playwright/test'

/** The customers screen as an operator uses it. */
export class CustomersPage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-customers').click()
    await this.page.getByTestId('customers-table').waitFor()
  }

  async search(text: string) {
    await this.page.getByTestId('customers-search').fill(text)
  }

  rows() {
    return this.page.getByTestId('customers-table').locator('tbody tr')
  }

  total() {
    return this.page.getByTestId('customers-table').getAttribute('data-total')
  }

  async create(fields: { name: string; phone?: string; wechat?: string }) {
    await this.page.getByTestId('customers-new').click()
    await this.fill(fields)
  }

  async fill(fields: { name?: string; phone?: string; wechat?: string }) {
    if (fields.name !== undefined) await this.page.getByTestId('customer-form-name').fill(fields.name)
    if (fields.phone !== undefined) await this.page.getByTestId('customer-form-phone').fill(fields.phone)
    if (fields.wechat !== undefined) await this.page.getByTestId('customer-form-wechat').fill(fields.wechat)
    await this.page.getByTestId('customer-form-save').click()
  }
}
