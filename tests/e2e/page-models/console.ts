import { expect, type Page } from '@playwright/test'

export type Screen = 'dashboard' | 'customers' | 'groups' | 'products' | 'members' | 'orders' | 'import' | 'temperature' | 'ledger' | 'schemes' | 'settings'

/** The frame around every screen: the sidebar, the language and theme switches. */
export class ConsolePage {
  constructor(readonly page: Page) {}

  nav(screen: Screen) {
    return this.page.getByTestId(`nav-${screen}`)
  }

  async goTo(screen: Screen) {
    await this.nav(screen).click()
    await expect(this.page).toHaveURL(new RegExp(`#/${screen}`))
  }

  async switchLanguage() {
    await this.page.getByTestId('lang-switch').click()
  }

  /** 'light' or 'dark', as the theme switch reports it. */
  theme() {
    return this.page.getByTestId('theme-switch').getAttribute('data-theme')
  }

  async setTheme(theme: 'light' | 'dark') {
    const toggle = this.page.getByTestId('theme-switch')
    if ((await toggle.getAttribute('data-theme')) !== theme) await toggle.click()
    await expect(toggle).toHaveAttribute('data-theme', theme)
  }
}
