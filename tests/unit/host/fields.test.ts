import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fieldAccess, RECORD_FIELDS } from '../../../src-shared/permissions'
import type { Role } from '../../../src-shared/roles'
import type { Customer, Product } from '../../../src-shared/schemas'
import { createCore, type OrchardCore } from '../../../src-main/core/api'
import { startBrowserHost, type BrowserHost } from '../../../src-main/host/server'

/**
 * The role × field matrix of the shared records, asked of the real transport: the demo
 * studio in browser mode, each profile signed in over HTTP, one change of each field of a
 * product and of a customer's contacts. What the field table refuses is refused (403) and
 * leaves the record as it was; what it allows is stored.
 */
let dir: string
let core: OrchardCore
let host: BrowserHost
const DEMO_PINS: Record<Role, string> = { manager: '8888', operator: '1111', trainer: '2222' }

async function call<T = unknown>(name: string, body: unknown): Promise<{ status: number; ok: boolean; value?: T; error?: { code: string; message: string; details?: Record<string, unknown> } }> {
  const res = await fetch(`http://127.0.0.1:${host.port}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
    body: JSON.stringify(body),
  })
  return { status: res.status, ...((await res.json()) as { ok: boolean; value?: T; error?: { code: string; message: string } }) }
}

async function signIn(role: Role): Promise<void> {
  const profiles = (await call<{ id: string; role: Role; isDefault: boolean }[]>('profiles.list', {})).value!
  const profile = profiles.find((p) => p.role === role && (role !== 'operator' || p.isDefault))!
  const res = await call('profiles.switch', { profileId: profile.id, pin: DEMO_PINS[role] })
  expect(res.ok, `sign in as ${role}`).toBe(true)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-fields-'))
  const staticDir = join(dir, 'renderer')
  mkdirSync(staticDir, { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>果园</title>')
  core = createCore({ dataDir: join(dir, 'studio'), host: 'browser', firstStart: 'demo' })
  host = await startBrowserHost({ core, staticDir })
})
afterAll(async () => {
  await host.close()
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A change of each product field that passes every other check (floor, rate cap, SKU free). */
function productChange(p: Product, field: string, n: number): Record<string, unknown> {
  switch (field) {
    case 'sku':
      return { sku: `${p.sku}-${n}` }
    case 'images':
      return { images: [...p.images, `extra-${n}.jpg`] }
    case 'listPriceFen':
    case 'salePriceFen':
      return { [field]: (p[field] as number) + 100 }
    case 'priceFloorFen':
      return { priceFloorFen: p.priceFloorFen - 100 }
    case 'stock':
      return { stock: p.stock + 1 }
    case 'active':
      return { active: !p.active }
    case 'commissionBp':
      return { commissionBp: p.commissionBp === 3500 ? 3400 : 3500 }
    case 'mentorCommissionBp':
      return { mentorCommissionBp: p.mentorCommissionBp === 600 ? 700 : 600 }
    default:
      return { [field]: `${String((p as Record<string, unknown>)[field])}·${n}` }
  }
}

describe('role × field over HTTP', () => {
  it('refuses a trainer raising SP-1007’s commission rate from 20% to 35%, and nothing changes', async () => {
    await signIn('trainer')
    const product = (await call<{ rows: Product[] }>('products.list', { search: 'SP-1007' })).value!.rows[0]
    expect(product.commissionBp).toBe(2000)
    const res = await call('products.update', { id: product.id, patch: { commissionBp: 3500 } })
    expect(res).toMatchObject({ status: 403, ok: false, error: { code: 'forbidden', details: { record: 'product', field: 'commissionBp' } } })
    expect((await call<Product>('products.get', { id: product.id })).value).toEqual(product)
  })

  it('answers every product field for every role as the field table says', async () => {
    let n = 0
    const wrong: string[] = []
    for (const role of ['trainer', 'operator', 'manager'] as const) {
      await signIn(role)
      for (const field of Object.keys(RECORD_FIELDS.product)) {
        const product = (await call<{ rows: Product[] }>('products.list', { search: 'SP-1012' })).value!.rows[0]
        const res = await call<Product>('products.update', { id: product.id, patch: productChange(product, field, ++n) })
        const allowed = fieldAccess(role, 'product', field) === 'write'
        const after = (await call<Product>('products.get', { id: product.id })).value!
        if (allowed && !(res.ok && res.status === 200)) wrong.push(`${role} ${field}: refused ${res.error?.code}`)
        if (!allowed && (res.status !== 403 || res.error?.details?.field !== field)) wrong.push(`${role} ${field}: expected 403, got ${res.status}`)
        if (!allowed && JSON.stringify(after) !== JSON.stringify(product)) wrong.push(`${role} ${field}: changed although refused`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('refuses a trainer’s change of a customer’s phone, address or WeChat id, and a masked value from anyone', async () => {
    await signIn('operator')
    const customer = (await call<{ rows: Customer[] }>('customers.list', { limit: 50 })).value!.rows.find((c) => c.phones.length && c.addresses.length && c.wechatId)!
    await signIn('trainer')
    for (const patch of [{ phones: ['13344445555'] }, { addresses: ['上海市黄浦区南京东路 1 号'] }, { wechatId: 'wx_new_id' }, { phones: [] }]) {
      const res = await call('customers.update', { id: customer.id, patch })
      expect(res, JSON.stringify(patch)).toMatchObject({ status: 403, error: { code: 'forbidden', details: { field: Object.keys(patch)[0] } } })
    }
    await signIn('operator')
    const masked = await call('customers.update', { id: customer.id, patch: { addresses: ['浙江省杭州市****'] } })
    expect(masked).toMatchObject({ ok: false, error: { code: 'masked_value', details: { field: 'addresses.0' } } })
    expect((await call<{ customer: Customer }>('customers.get', { id: customer.id })).value!.customer).toEqual(customer)
  })
})
