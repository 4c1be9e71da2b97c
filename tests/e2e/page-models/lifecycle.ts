import { expect, type Page } from '@playwright/test'

/** The header's profile switch: who is at the keyboard, and switching with a PIN. */
export class ProfileSwitch {
  constructor(readonly page: Page) {}

  trigger() {
    return this.page.getByTestId('profile-switch')
  }

  async expectRole(role: 'operator' | 'trainer' | 'manager') {
    await expect(this.trigger()).toHaveAttribute('data-role', role)
  }

  /** Opens the PIN dialog for a profile (by name) and types a PIN; does not wait for the outcome. */
  async enterPin(name: string, pin: string) {
    if (!(await this.page.getByTestId('pin-modal').isVisible())) {
      await this.trigger().click()
      await this.page.locator(`[data-testid="profile-option"][data-name="${name}"]`).click()
    }
    await this.page.getByTestId('pin-input').fill(pin)
    await this.page.getByTestId('pin-submit').click()
  }

  async switchTo(name: string, pin: string) {
    await this.enterPin(name, pin)
    await expect(this.trigger()).toHaveAttribute('data-profile', name)
    await expect(this.page.getByTestId('pin-modal')).toBeHidden()
  }

  pinError() {
    return this.page.getByTestId('pin-error')
  }
}

export interface RuleFields {
  name: string
  /** The event's label as the form lists it, e.g. 低于控价销售. */
  event: string
  threshold: number
  windowDays: number
  /** Commission deduction in yuan, as typed. */
  deductYuan: string
}

/** 规则与审批 as a manager uses it: the rule book, event entry, the approval queue. */
export class RulesPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-rules').click()
    await expect(this.page.getByTestId('rules-view')).toBeVisible()
  }

  async createRule(f: RuleFields) {
    await this.page.getByTestId('rule-new').click()
    const form = this.page.getByTestId('rule-form')
    await expect(form).toBeVisible()
    await this.page.getByTestId('rule-name').fill(f.name)
    await this.choose(this.page.getByTestId('rule-event'), f.event)
    await this.page.getByTestId('rule-window').fill(String(f.windowDays))
    await this.page.getByTestId('rule-threshold').fill(String(f.threshold))
    await this.page.getByTestId('rule-kind-penalty').click()
    await this.page.getByTestId('rule-amount').locator('input').fill(f.deductYuan)
    await expect(this.page.getByTestId('rule-sentence')).toContainText(f.event)
    await this.page.getByTestId('rule-save').click()
    await expect(form).toBeHidden()
  }

  rulesTable() {
    return this.page.getByTestId('rules-table')
  }

  /** Logs a member event through the console's own event form. */
  async logEvent(member: string, event: string, note: string) {
    await this.page.getByTestId('rules-log-event').click()
    const modal = this.page.getByTestId('event-log-modal')
    await expect(modal).toBeVisible()
    await this.choose(this.page.getByTestId('event-member'), member)
    await this.choose(this.page.getByTestId('event-type'), event)
    await this.page.getByTestId('event-note').fill(note)
    await this.page.getByTestId('event-submit').click()
  }

  async openApprovals() {
    await this.page.getByTestId('tab-approvals').click()
    await expect(this.approvals()).toHaveAttribute('data-loading', 'false')
  }

  approvals() {
    return this.page.getByTestId('approvals-table')
  }

  approvalRow(text: string) {
    return this.approvals().locator('tbody tr').filter({ hasText: text })
  }

  async evaluate() {
    await this.page.getByTestId('rules-evaluate').click()
  }

  async approve(rowText: string, reason: string) {
    await this.approvalRow(rowText).first().getByTestId('approval-approve').click()
    await expect(this.page.getByTestId('decision-modal')).toBeVisible()
    await this.page.getByTestId('decision-reason').fill(reason)
    await this.page.getByTestId('decision-submit').click()
    await expect(this.page.getByTestId('decision-modal')).toBeHidden()
  }

  /** Picks an option of a filterable naive-ui select by typing it: long lists render only what is in view. */
  private async choose(select: ReturnType<Page['getByTestId']>, label: string) {
    await select.click()
    await this.page.keyboard.type(label)
    await this.page.locator('.n-base-select-option').filter({ hasText: label }).first().click()
  }
}

/** 审计: the chain banner and the log. */
export class AuditPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-audit').click()
    await expect(this.page.getByTestId('audit-view')).toBeVisible()
  }

  chain() {
    return this.page.getByTestId('audit-chain')
  }

  table() {
    return this.page.getByTestId('audit-table')
  }

  rows() {
    return this.table().locator('tbody tr')
  }
}

/** 关怀日历 as an operator works it: the day list, done/skip with a note, bulk actions. */
export class CarePage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-care').click()
    await expect(this.table()).toHaveAttribute('data-loading', 'false')
  }

  table() {
    return this.page.getByTestId('care-table')
  }

  rows() {
    return this.table().locator('tbody tr').filter({ has: this.page.locator('td') }).filter({ hasNot: this.page.getByTestId('care-script') })
  }

  /** One task's row, by its id (titles repeat across members). */
  task(id: string) {
    return this.table().locator(`tbody tr[data-task="${id}"]`)
  }

  count(key: 'total' | 'open' | 'done' | 'skipped' | 'overdue') {
    return this.page.getByTestId(`care-count-${key}`)
  }

  /** Fills and confirms the done/skip dialog that is open. */
  async confirm(note: string) {
    const modal = this.page.getByTestId('care-complete-modal')
    await expect(modal).toBeVisible()
    await this.page.getByTestId('care-complete-note').fill(note)
    await this.page.getByTestId('care-complete-submit').click()
    await expect(modal).toBeHidden()
  }
}

/** 社群温度: the ranking, rituals entered by hand, the CSV activity log. */
export class TemperaturePage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-temperature').click()
    await expect(this.page.getByTestId('temperature-chart')).toBeVisible()
  }

  async setRitual(kind: string, n: number) {
    const input = this.page.getByTestId(`ritual-${kind}`).locator('input')
    await input.fill(String(n))
    // The number input commits on blur.
    await input.press('Tab')
  }

  async importCsv(name: string, content: string) {
    await this.page.getByTestId('temperature-import').click()
    await expect(this.page.getByTestId('activity-import')).toBeVisible()
    const chooser = this.page.waitForEvent('filechooser')
    await this.page.getByTestId('activity-import-choose').click()
    await (await chooser).setFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') })
  }
}
