import { readFileSync } from 'node:fs'
import { expect, type Page } from '@playwright/test'

export type ImportEntity = 'customers' | 'products' | 'orders'

/** The import wizard: what to import, the file, the column mapping, the mode, the result. */
export class ImportPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-import').click()
    await this.page.getByTestId('import-view').waitFor()
  }

  /** Chooses what to import and picks a file through the browser's file chooser (browser mode uploads it). */
  async chooseFile(entity: ImportEntity, file: { name: string; content: string | Buffer; mimeType?: string }) {
    await this.page.getByTestId(`import-entity-${entity}`).click()
    const chooser = this.page.waitForEvent('filechooser')
    await this.page.getByTestId('import-pick-file').first().click()
    await (await chooser).setFiles({
      name: file.name,
      mimeType: file.mimeType ?? 'text/csv',
      buffer: typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content,
    })
  }

  preview() {
    return this.page.getByTestId('import-preview')
  }

  /** From the preview through the mapping to the mode step. */
  async continueToMode() {
    await this.page.getByTestId('import-next').click()
    await expect(this.page.getByTestId('import-mapping')).toBeVisible()
    await this.page.getByTestId('import-next').click()
    await expect(this.page.getByTestId('import-run')).toBeVisible()
  }

  async run(mode: 'all-or-nothing' | 'valid-rows' = 'all-or-nothing') {
    if (mode === 'valid-rows') await this.page.getByTestId('import-mode-valid-rows').click()
    await this.page.getByTestId('import-run').click()
    await this.result().waitFor()
  }

  result() {
    return this.page.getByTestId('import-result')
  }

  errors() {
    return this.page.getByTestId('import-errors')
  }

  /** Values kept as given, with their row, column and why. */
  warnings() {
    return this.page.getByTestId('import-warnings')
  }

  /** Downloads the error report (or the warnings report) and returns its text. */
  async downloadReport(kind: 'errors' | 'warnings' = 'errors'): Promise<{ fileName: string; text: string }> {
    const download = this.page.waitForEvent('download')
    await this.page.getByTestId(kind === 'errors' ? 'import-download-report' : 'import-download-warnings').click()
    const file = await download
    return { fileName: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') }
  }
}
