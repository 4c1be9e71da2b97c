import { expect, type Locator, type Page } from '@playwright/test'

/** 素材包 as an operator uses it: the form, the checker, the run, the runs, and each pack on a phone. */
export class PacksPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-packs').click()
    await expect(this.page.getByTestId('packs-view')).toBeVisible()
  }

  /** 全部在职会员 / 指定会员 / 指定社群. */
  async forWhom(label: '全部在职会员' | '指定会员' | '指定社群') {
    await this.page.getByTestId('packs-who').getByText(label, { exact: true }).click()
  }

  /** Types into a searchable multi-select and takes the first match. */
  async pick(testid: 'packs-members' | 'packs-groups' | 'packs-products' | 'packs-templates', text: string) {
    // Clicked right of the tags: the middle may be a chosen tag's ×, the far right the clear button.
    const select = this.page.getByTestId(testid)
    const box = (await select.boundingBox())!
    await select.click({ position: { x: box.width - 56, y: box.height / 2 } })
    await this.page.keyboard.type(text)
    await expect(this.page.locator('.n-base-select-option').filter({ hasText: text }).first()).toBeVisible()
    await this.page.keyboard.press('Enter')
    await this.page.keyboard.press('Escape')
  }

  async check() {
    await this.page.getByTestId('packs-check').click()
    await expect(this.findings()).toBeVisible()
  }

  findings() {
    return this.page.getByTestId('packs-findings')
  }

  async generate() {
    await this.page.getByTestId('packs-start').click()
  }

  status() {
    return this.page.getByTestId('packs-run').getByTestId('packs-status')
  }

  async waitFor(status: '生成中' | '已完成' | '已取消', timeout = 90_000) {
    await expect(this.status()).toHaveText(status, { timeout })
  }

  jobs() {
    return this.page.getByTestId('packs-job')
  }

  owners() {
    return this.page.getByTestId('packs-owner')
  }

  phone(): Locator {
    return this.page.getByTestId('pack-phone')
  }

  async phoneTab(label: '朋友圈' | '群聊') {
    await this.page.getByTestId('packs-phone-tab').getByText(label, { exact: true }).click()
    await expect(this.phone()).toHaveAttribute('data-tab', label === '朋友圈' ? 'moments' : 'group')
  }

  schedule() {
    return this.page.getByTestId('packs-schedule').getByTestId('packs-slot')
  }
}
