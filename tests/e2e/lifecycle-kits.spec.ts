import { readFileSync } from 'node:fs'
import { expect, test } from './fixtures'
import { AuditPage, ProfileSwitch } from './page-models/lifecycle'

test('a trainer edits a kit section with the toolbar, saves it, previews the PDF and generates a kit', async ({ page, studio }) => {
  test.setTimeout(180_000)
  const profile = new ProfileSwitch(page)
  await profile.switchTo('林老师', '2222')
  await page.getByTestId('nav-kits').click()
  const editor = page.getByTestId('kit-editor')
  await expect(editor).toBeVisible()

  // A new paragraph at the end of the first section, in bold.
  await editor.click()
  await page.keyboard.press('Control+End')
  await page.keyboard.press('Enter')
  await page.getByTestId('rte-bold').click()
  await page.keyboard.type('第一周每天晚上八点，师父都会在群里等你。')
  await expect(page.getByTestId('kit-save')).toBeEnabled()
  await page.getByTestId('kit-save').click()
  await expect(page.getByTestId('kit-save')).toBeDisabled()
  const templates = await studio.core.invoke('kits', 'templates', {})
  const saved = await studio.core.invoke('kits', 'get', { id: templates.find((t) => t.isDefault)!.id })
  expect(saved.sections[0].html).toContain('<strong>第一周每天晚上八点，师父都会在群里等你。</strong>')
  expect(saved.updatedBy).toBe('林老师')

  // The preview draws the PDF's pages in the console.
  await page.getByTestId('kit-preview-open').click()
  await expect(page.getByTestId('kit-preview-page').first()).toBeVisible({ timeout: 60_000 })
  await page.keyboard.press('Escape')

  // One kit for one new member: a zip to download.
  const member = (await studio.core.invoke('members', 'all', {})).find((m) => m.status === 'active')!
  await page.getByTestId('kit-generate-open').click()
  await page.getByTestId('kit-members').click()
  await page.keyboard.type(member.inviteCode)
  await page.locator('.n-base-select-option').filter({ hasText: member.inviteCode }).first().click()
  await page.keyboard.press('Escape')
  await page.getByTestId('kit-generate-run').click()
  const result = page.getByTestId('kit-result')
  await expect(result).toHaveAttribute('data-count', '1', { timeout: 120_000 })
  await expect(result).toContainText(member.name)
  const download = page.waitForEvent('download')
  await result.getByTestId('kit-download').click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/\.zip$/)
  const zip = readFileSync(await file.path())
  expect(zip.subarray(0, 2).toString('latin1')).toBe('PK')
})

test('a manager exports the audit log of a period as CSV and as PDF', async ({ page }) => {
  const profile = new ProfileSwitch(page)
  const audit = new AuditPage(page)
  await profile.switchTo('陈姐', '8888')
  await audit.open()
  await expect(audit.chain()).toHaveAttribute('data-intact', 'true')

  await page.getByTestId('audit-export').click()
  const csvDownload = page.waitForEvent('download')
  await page.getByTestId('audit-export-csv').click()
  const csv = await csvDownload
  expect(csv.suggestedFilename()).toMatch(/\.csv$/)
  const text = readFileSync(await csv.path(), 'utf8')
  expect(text).toContain('序号 Seq')
  expect(text).toContain('陈姐')

  await page.getByTestId('audit-export').click()
  const pdfDownload = page.waitForEvent('download')
  await page.getByTestId('audit-export-pdf').click()
  const pdf = await pdfDownload
  expect(pdf.suggestedFilename()).toMatch(/\.pdf$/)
  expect(readFileSync(await pdf.path()).subarray(0, 5).toString('latin1')).toBe('%PDF-')
})
