import type { Page } from '@playwright/test'

/** The dashboard: the studio's counts, sales, newest customers and groups. */
export class DashboardPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-dashboard').click()
    await this.customersCount().waitFor()
  }

  customersCount() {
    return this.page.getByTestId('dashboard-customers-count')
  }

  /** The number the customers card shows. */
  async customers(): Promise<number> {
    return Number(await this.customersCount().getAttribute('data-value'))
  }
}
