import { expect, type Page } from '@playwright/test'

export interface CustomerFields {
  name?: string
  phone?: string
  wechat?: string
}

/** The customers screen as an operator uses it: search, the table, the drawer, the form. */
export class CustomersPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-customers').click()
    await this.table().waitFor()
  }

  table() {
    return this.page.getByTestId('customers-table')
  }

  async search(text: string) {
    await this.page.getByTestId('customers-search').fill(text)
  }

  rows() {
    return this.table().locator('tbody tr')
  }

  row(text: string) {
    return this.rows().filter({ hasText: text })
  }

  /** How many customers match the current filters (all pages), as the table reports it. */
  async total(): Promise<number> {
    return Number(await this.table().getAttribute('data-total'))
  }

  async expectTotal(total: number) {
    await expect(this.table()).toHaveAttribute('data-total', String(total))
  }

  /** Exports from the toolbar: the filtered list or everybody; returns the downloaded file. */
  async export(scope: 'filtered' | 'all', format: 'csv' | 'xlsx'): Promise<{ fileName: string; path: string }> {
    await this.page.getByTestId('customers-export').click()
    const download = this.page.waitForEvent('download')
    await this.page.getByTestId(`customers-export-${scope}-${format}`).click()
    const file = await download
    return { fileName: file.suggestedFilename(), path: await file.path() }
  }

  drawer() {
    return this.page.getByTestId('customer-drawer')
  }

  async openCustomer(text: string) {
    await this.row(text).first().click()
    await expect(this.drawer()).toBeVisible()
  }

  async create(fields: CustomerFields) {
    await this.page.getByTestId('customers-new').click()
    await this.fill(fields)
  }

  async edit(fields: CustomerFields) {
    await this.page.getByTestId('customer-edit').click()
    await this.fill(fields)
  }

  /** Fills the open customer form and saves it. */
  async fill(fields: CustomerFields) {
    if (fields.name !== undefined) await this.page.getByTestId('customer-form-name').fill(fields.name)
    if (fields.phone !== undefined) await this.page.getByTestId('customer-form-phone').fill(fields.phone)
    if (fields.wechat !== undefined) await this.page.getByTestId('customer-form-wechat').fill(fields.wechat)
    await this.page.getByTestId('customer-form-save').click()
  }
}
