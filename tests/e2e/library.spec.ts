import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import QRCode from 'qrcode'
import sharp from 'sharp'
import { addDays, timeIn } from '../../src-shared/time'
import { expect, test, type Studio } from './fixtures'
import { studioClock } from './studio'

const BUYER_PHOTO = join(import.meta.dirname, '..', '..', 'resources', 'demo', 'photos', 'buyers', 'FS-1.jpg')
const DAY_MS = 86_400_000

/** A calendar day in the studio's zone by its own clock, `offset` days from its today. */
async function studioDay(studio: Studio, offset: number): Promise<string> {
  return addDays((await studioClock(studio)).today, offset)
}
/** An instant as typed into the console's date-time picker: the studio's wall clock (2026-11-17 09:30). */
async function pickerMinute(studio: Studio, ms: number): Promise<string> {
  return timeIn((await studioClock(studio)).timezone, ms)
}

/** The 比价与买家秀 screen: a product list on the left, its prices and buyer photos beside their images. */
class LibraryPage {
  constructor(readonly page: Page) {}

  async open(sku: string) {
    await this.page.getByTestId('nav-library').click()
    await this.page.getByTestId('library-product-search').fill(sku)
    await this.page.locator(`[data-testid="library-product"][data-sku="${sku}"]`).click()
    await expect(this.page.getByTestId('library-product-head')).toHaveAttribute('data-sku', sku)
  }

  image(kind: 'comparison' | 'collage'): Locator {
    return this.page.getByTestId(`${kind}-image`)
  }

  rows(): Locator {
    return this.page.getByTestId('comparison-row')
  }

  form(): Locator {
    return this.page.getByTestId('comparison-form')
  }

  /** The message a form field shows under itself. */
  fieldError(label: string): Locator {
    return this.form().locator('.n-form-item').filter({ hasText: label }).locator('.n-form-item-feedback')
  }
}

/**
 * A product the demo studio has no material for yet, so each image starts empty — but with
 * a photo of its own (the comparison and the collage are drawn on the product's photo).
 */
async function bareProduct(studio: Studio): Promise<{ id: string; sku: string; salePriceFen: number }> {
  const products = (await studio.core.invoke('products', 'list', { active: true, limit: 500 })).rows
  for (const p of products.filter((p) => p.images.length > 0)) {
    const [prices, photos] = await Promise.all([studio.core.invoke('comparisons', 'list', { productId: p.id }), studio.core.invoke('buyerPhotos', 'list', { productId: p.id })])
    if (!prices.length && !photos.length) return p
  }
  throw new Error('the demo studio has no product without materials')
}

test('an operator adds a competitor price: a future day is refused at the field, a real one lands in the table and on the comparison', async ({ page, studio }) => {
  const product = await bareProduct(studio)
  const library = new LibraryPage(page)
  await library.open(product.sku)
  await expect(page.getByTestId('comparisons-empty')).toBeVisible()
  // Without prices the image is an empty state in the core's words, not an error.
  await expect(library.image('comparison')).toHaveAttribute('data-state', 'empty')
  await expect(library.image('comparison')).toContainText('真实录入的价格')

  await page.getByTestId('comparison-add').click()
  await expect(library.form()).toBeVisible()
  await page.getByTestId('comparison-source').fill('拼多多')
  await page.getByTestId('comparison-price').locator('input').fill(`${(product.salePriceFen + 1250) / 100}`)
  const day = page.getByTestId('comparison-day').locator('input')
  await day.fill(await studioDay(studio, 3))
  await day.press('Tab')
  await page.getByTestId('comparison-save').click()
  await expect(library.fieldError('看到的日期')).toHaveText('看到价格的日期不能在未来')
  expect(await studio.core.invoke('comparisons', 'list', { productId: product.id })).toEqual([])

  await day.fill(await studioDay(studio, -2))
  await day.press('Tab')
  await expect(library.fieldError('看到的日期')).toHaveCount(0)
  await page.getByTestId('comparison-url').fill('https://mobile.yangkeduo.com/goods.html?id=1')
  await page.getByTestId('comparison-note').fill('百亿补贴')
  await page.getByTestId('comparison-save').click()
  await expect(library.form()).toBeHidden()

  await expect(library.rows()).toHaveCount(1)
  const row = library.rows().first()
  await expect(row).toContainText('拼多多')
  await expect(row).toContainText(await studioDay(studio, -2))
  await expect(row).toContainText('百亿补贴')
  await expect(row.locator('[data-fen]')).toHaveAttribute('data-fen', String(product.salePriceFen + 1250))
  await expect(row.getByTestId('comparison-standing')).toHaveAttribute('data-standing', 'on')
  await expect(library.image('comparison')).toHaveAttribute('data-state', 'image')
  await expect(library.image('comparison').locator('img')).toHaveAttribute('src', /^data:image\/jpeg;base64,/)
  const saved = await studio.core.invoke('comparisons', 'list', { productId: product.id })
  expect(saved).toEqual([expect.objectContaining({ source: '拼多多', priceFen: product.salePriceFen + 1250, observedOn: await studioDay(studio, -2), note: '百亿补贴' })])

  // Removing it asks first, then the comparison is empty again.
  await row.getByTestId('comparison-remove').click()
  await page.locator('.n-popconfirm').getByRole('button', { name: '确认' }).click()
  await expect(page.getByTestId('comparisons-empty')).toBeVisible()
  await expect(library.image('comparison')).toHaveAttribute('data-state', 'empty')
})

test('an operator drops two photos at once: the real one joins the grid and the collage, the tiny one is refused by name', async ({ page, studio }) => {
  const product = await bareProduct(studio)
  const library = new LibraryPage(page)
  await library.open(product.sku)
  await expect(page.getByTestId('photos-empty')).toBeVisible()
  await expect(library.image('collage')).toHaveAttribute('data-state', 'empty')

  await page.getByTestId('photo-caption').locator('input').fill('面料很舒服')
  const tiny = await sharp({ create: { width: 200, height: 160, channels: 3, background: '#e8d5c4' } }).jpeg().toBuffer()
  await page
    .getByTestId('photos-upload')
    .locator('input[type=file]')
    .setInputFiles([
      { name: '买家秀.jpg', mimeType: 'image/jpeg', buffer: readFileSync(BUYER_PHOTO) },
      { name: '太小.jpg', mimeType: 'image/jpeg', buffer: tiny },
    ])

  await expect(page.getByTestId('photo-tile')).toHaveCount(1)
  await expect(page.getByTestId('photo-tile').first()).toContainText('面料很舒服')
  await expect(page.getByTestId('photo-tile').first()).toContainText('900×1200')
  const failure = page.getByTestId('photo-failure')
  await expect(failure).toHaveCount(1)
  await expect(failure).toContainText('太小.jpg')
  await expect(failure).toContainText('300 像素')
  await expect(library.image('collage')).toHaveAttribute('data-state', 'image')
  expect(await studio.core.invoke('buyerPhotos', 'list', { productId: product.id })).toEqual([expect.objectContaining({ caption: '面料很舒服', width: 900, height: 1200 })])
})

test('a group QR code made six days ago warns in the drawer and on the dashboard; the allowance is edited in the form', async ({ page, studio }) => {
  const group = (await studio.core.invoke('groups', 'list', {}))[0]
  const url = 'https://weixin.qq.com/g/AQYAAOrchardE2E'
  const png = await QRCode.toBuffer(url, { width: 360, margin: 2 })

  await page.getByTestId('nav-groups').click()
  await page.getByTestId('groups-table').locator('tbody tr').filter({ hasText: group.name }).first().click()
  const drawer = page.getByTestId('group-detail')
  const qr = drawer.getByTestId('group-qr')
  await expect(qr).toHaveAttribute('data-state', 'none')
  await expect(drawer.getByTestId('group-detail-allowance')).toHaveText('每月 30 次')

  const madeAt = drawer.getByTestId('group-qr-made-at').locator('input')
  const now = Date.parse((await studioClock(studio)).now)
  await madeAt.fill(await pickerMinute(studio, now - 6 * DAY_MS))
  await madeAt.press('Tab')
  await drawer.getByTestId('group-qr-upload').locator('input[type=file]').setInputFiles({ name: '群二维码.png', mimeType: 'image/png', buffer: png })

  await expect(qr.getByTestId('group-qr-state')).toHaveAttribute('data-state', 'lapsing')
  await expect(qr.getByTestId('group-qr-state')).toHaveText('即将过期')
  await expect(qr.getByTestId('group-qr-expiry')).toContainText(/有效期至 .*·\s*还剩 \d+ 小时/)
  await expect(qr.getByTestId('group-qr-payload')).toHaveText(url)
  const stored = await studio.core.invoke('groupQr', 'get', { groupId: group.id })
  expect(stored).toMatchObject({ payload: url, lapsed: false })
  // Made six days ago: a day (give or take the minute typed) is left of its seven.
  expect(Date.parse(stored!.expiresAt) - now).toBeGreaterThan(DAY_MS - 5 * 60_000)
  expect(Date.parse(stored!.expiresAt) - now).toBeLessThan(DAY_MS + 60_000)

  // A picture without a code is refused where it was dropped.
  const blank = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#ffffff' } }).png().toBuffer()
  await drawer.getByTestId('group-qr-upload').locator('input[type=file]').setInputFiles({ name: '风景.png', mimeType: 'image/png', buffer: blank })
  await expect(drawer.getByTestId('group-qr-error')).toContainText('没有识别到二维码')
  await expect(qr.getByTestId('group-qr-payload')).toHaveText(url)

  // The monthly mass-send allowance, in the group's form.
  await drawer.getByTestId('group-detail-edit').click()
  const allowance = page.getByTestId('group-allowance').locator('input')
  await allowance.fill('12')
  await allowance.press('Tab')
  await page.getByTestId('group-save').click()
  await expect(drawer.getByTestId('group-detail-allowance')).toHaveText('每月 12 次')
  expect((await studio.core.invoke('groups', 'get', { id: group.id })).group.massSendAllowance).toBe(12)
  await page.keyboard.press('Escape')

  // The dashboard says so, and opens the group where a new code is one drop away.
  await page.getByTestId('nav-dashboard').click()
  const alert = page.getByTestId('dashboard-qr-alert').filter({ hasText: group.name })
  await expect(alert).toHaveAttribute('data-state', 'lapsing')
  await expect(alert).toContainText('即将过期')
  await alert.click()
  await expect(page.getByTestId('group-qr').getByTestId('group-qr-state')).toHaveAttribute('data-state', 'lapsing')
  await expect(page.getByTestId('group-detail-edit')).toHaveCount(0)

  // A fresh code clears the alert.
  await page.getByTestId('group-qr').getByTestId('group-qr-upload').locator('input[type=file]').setInputFiles({ name: '新二维码.png', mimeType: 'image/png', buffer: png })
  await expect(page.getByTestId('group-qr').getByTestId('group-qr-state')).toHaveAttribute('data-state', 'valid')
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('dashboard-qr-alerts')).toHaveCount(0)
})

test('a trainer sees the team’s buyer photos, one not yet downloaded shown as such, with no upload or remove; a removal over HTTP is refused', async ({ page, studio }) => {
  const products = (await studio.core.invoke('products', 'list', { active: true, limit: 500 })).rows
  let product: { id: string; sku: string } | null = null
  for (const p of products) if ((await studio.core.invoke('buyerPhotos', 'list', { productId: p.id })).length >= 2) product = product ?? p
  if (!product) throw new Error('the demo studio has no product with two buyer photos')
  // A photo the team has whose picture has not reached this workstation yet: its record here, its file not.
  const db = studio.core.context.db
  const [missing] = db.prepare('SELECT id FROM buyer_photos WHERE product_id = ? ORDER BY created_at DESC, id').all(product.id) as { id: string }[]
  db.prepare('UPDATE buyer_photos SET sha256 = ? WHERE id = ?').run('f'.repeat(64), missing.id)
  const before = await studio.core.invoke('buyerPhotos', 'list', { productId: product.id })
  studio.core.context.session = { profileId: null, role: 'trainer', name: '林老师' }
  await page.reload()

  const library = new LibraryPage(page)
  await library.open(product.sku)
  await expect(page.getByTestId('photo-tile')).toHaveCount(before.length)
  await expect(page.getByTestId('photo-not-downloaded')).toHaveCount(1)
  await expect(page.getByTestId('photo-not-downloaded')).toContainText('尚未下载')
  await expect(page.getByTestId('photos-upload')).toHaveCount(0)
  await expect(page.getByTestId('photo-remove')).toHaveCount(0)

  const http = await fetch(`http://127.0.0.1:${studio.host.port}/api/call/buyerPhotos.remove`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${studio.host.token}` },
    body: JSON.stringify({ id: before[1].id }),
  })
  expect(http.status).toBe(403)
  expect(((await http.json()) as { error: { code: string } }).error.code).toBe('forbidden')
  expect(await studio.core.invoke('buyerPhotos', 'list', { productId: product.id })).toEqual(before)
})
