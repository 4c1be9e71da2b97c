import { expect, test } from './fixtures'

test('an operator duplicates a shipped poster template, moves its title with a live preview, and saves it for packs', async ({ page, studio }) => {
  await page.getByTestId('nav-templates').click()
  await page.locator('[data-testid="template-card"][data-id="clean-white"]').click()
  const editor = page.getByTestId('template-editor')
  await expect(editor).toContainText('简约白卡')
  await expect(page.getByTestId('template-save')).toHaveCount(0)
  await page.getByTestId('template-duplicate').click()
  await expect(editor).toContainText('简约白卡 副本')
  const preview = page.getByTestId('template-preview')
  await expect(preview).toHaveAttribute('src', /^data:image\/png;base64,/)
  const before = await preview.getAttribute('src')

  await page.getByTestId('template-slot-title').click()
  const y = page.getByTestId('slot-title-y').locator('input')
  const was = Number(await y.inputValue())
  await y.fill(String(was - 60))
  await y.blur()
  await expect.poll(() => preview.getAttribute('src'), { timeout: 15_000 }).not.toBe(before)

  // Off the canvas: refused at the slot, and it cannot be saved.
  const x = page.getByTestId('slot-title-x').locator('input')
  await x.fill('1000')
  await x.blur()
  await expect(page.getByTestId('template-problem')).toContainText('右')
  await expect(page.getByTestId('template-save')).toBeDisabled()
  await x.fill('76')
  await x.blur()
  await expect(page.getByTestId('template-problem')).toHaveCount(0)

  await page.getByTestId('template-name').locator('input').fill('我们的白卡')
  await page.getByTestId('template-save').click()
  await expect(page.getByText('模板已保存')).toBeVisible()
  const own = (await studio.core.invoke('posterTemplates', 'list', {})).find((t) => t.name === '我们的白卡')
  expect(own).toMatchObject({ builtin: false, basedOn: 'clean-white' })
  const saved = (await studio.core.invoke('posterTemplates', 'get', { id: own!.id })).template as { slots: { id?: string; x: number; y: number }[] }
  expect(saved.slots.find((s) => s.id === 'title')).toMatchObject({ x: 76, y: was - 60 })
  await expect(page.locator(`[data-testid="template-card"][data-id="${own!.id}"]`)).toContainText('我们的白卡')
})
