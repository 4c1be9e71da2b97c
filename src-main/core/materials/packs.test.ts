import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'
import { checkText, DEFAULT_COPY, DEFAULT_FORBIDDEN_WORDS, renderCopy, variantFor } from './copy'
import { calendar, planDay } from './schedule'

const product = { sku: 'MZ-1001', priceFloorFen: 18_900, stock: 500, endsAt: null }

describe('the checker', () => {
  it('flags absolute claims from the editable list, not everyday words that merely contain them', () => {
    expect(checkText('全网最低价，国家级品质', 'copy:moments:1', product, DEFAULT_FORBIDDEN_WORDS).map((f) => f.text)).toEqual(['最', '国家级', '全网最低'])
    expect(checkText('这阵子最近在用，最后一批到货', 'copy:moments:1', { ...product, stock: 5 }, DEFAULT_FORBIDDEN_WORDS).filter((f) => f.code === 'forbidden_claim')).toEqual([])
    expect(checkText('史上顶级', 'x', product, ['顶级'])[0]).toMatchObject({ code: 'forbidden_claim', where: 'x', productSku: 'MZ-1001' })
  })
  it('flags a price below the floor, but not the everyday price quoted for comparison', () => {
    expect(checkText('团购价 ¥159', 'copy:group:2', product, [])).toMatchObject([{ code: 'below_price_floor', text: '¥159', where: 'copy:group:2' }])
    expect(checkText('团购价 ¥209（日常价 ¥299）', 'copy:group:2', product, [])).toEqual([])
  })
  it('allows urgency only when it is true', () => {
    expect(checkText('仅剩 3 件', 'c', product, [])).toMatchObject([{ code: 'false_urgency' }])
    expect(checkText('仅剩 3 件', 'c', { ...product, stock: 3 }, [])).toEqual([])
    expect(checkText('限时特惠', 'c', product, [])).toMatchObject([{ code: 'false_urgency' }])
    expect(checkText('限时特惠', 'c', { ...product, endsAt: '2026-11-24 21:00' }, [])).toEqual([])
  })
  it('passes the shipped copy', () => {
    for (const variants of Object.values(DEFAULT_COPY)) {
      for (const v of variants) {
        const text = renderCopy(v, { name: '双抗精华', title: '双抗精华', brand: '', priceFen: 20_900, listPriceFen: 29_900, facts: '烟酰胺', member: '小王', customer: '亲', stock: 500, endsAt: null })
        expect(checkText(text, 'c', product, DEFAULT_FORBIDDEN_WORDS)).toEqual([])
      }
    }
  })
})

describe('copy and schedule', () => {
  it('rotates variants day by day so a group does not read the same text twice running', () => {
    const days = ['2026-11-24', '2026-11-25', '2026-11-26'].map((d) => variantFor(3, d, 'WANG01'))
    expect(new Set(days).size).toBe(3)
    expect(variantFor(3, '2026-11-24', 'WANG01')).toBe(variantFor(3, '2026-11-24', 'WANG01'))
  })
  it('plans the evening-before preview and the three peaks, as a calendar that parses', () => {
    const items = planDay('2026-11-24', [{ name: 'A' }, { name: 'B' }, { name: 'C' }, { name: 'D' }])
    expect(items.map((i) => `${i.day} ${i.from}`)).toEqual(['2026-11-23 21:00', '2026-11-24 07:00', '2026-11-24 12:00', '2026-11-24 19:00'])
    expect(items[1].what).toContain('A、D')
    const ics = calendar('WANG01', items)
    expect(ics.match(/BEGIN:VEVENT/g)).toHaveLength(4)
    expect(ics).toContain('DTSTART:20261124T070000')
  })
})

describe('generating packs', () => {
  let dir: string
  let core: OrchardCore
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchard-packs-'))
    core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'demo', clock: fixedClock('2026-11-20T04:00:00Z') })
  })
  afterAll(async () => {
    await core.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('writes each member’s posters, copy, checklist, calendar and a manifest whose hashes match the files', async () => {
    const members = (await core.invoke('members', 'all', {})).filter((m) => m.status === 'active').slice(0, 2)
    const out = join(dir, 'out')
    const job = await core.invoke('packs', 'generate', { date: '2026-11-21', members: members.map((m) => m.inviteCode), templates: ['clean-white'], products: ['MZ-1001', 'SP-1001'], out, zip: true })
    expect(job).toMatchObject({ status: 'done', members: 2, done: job.total, resumed: false })
    const folder = join(out, members[0].inviteCode)
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { member: { inviteUrl: string }; files: { file: string; sha256: string }[] }
    expect(manifest.files.map((f) => f.file).sort()).toEqual(['01-MZ-1001-clean-white.jpg', '02-SP-1001-clean-white.jpg', '发布清单.md', '文案.txt', '日程.ics'].sort())
    for (const f of manifest.files) expect(createHash('sha256').update(readFileSync(join(folder, f.file))).digest('hex')).toBe(f.sha256)
    expect(manifest.member.inviteUrl).toContain(`ref=${members[0].inviteCode}`)
    expect(existsSync(join(out, `${members[0].inviteCode}.zip`))).toBe(true)
    expect(readdirSync(folder).some((f) => f.includes('.tmp-'))).toBe(false)
    // Making the day again (a fresh job) replaces the files in place: no second copies.
    const before = readdirSync(folder).sort()
    const again = await core.invoke('packs', 'generate', { date: '2026-11-21', members: members.map((m) => m.inviteCode), templates: ['clean-white'], products: ['MZ-1001', 'SP-1001'], out, zip: true })
    expect(again.id).not.toBe(job.id)
    expect(readdirSync(folder).sort()).toEqual(before)
  })

  it('refuses unknown members and templates with the value and where it was given', async () => {
    await expect(core.invoke('packs', 'generate', { date: '2026-11-21', members: ['NOBODY'] })).rejects.toMatchObject({ code: 'not_found', details: { field: 'members.0', value: 'NOBODY' } })
    await expect(core.invoke('packs', 'generate', { date: '2026-11-21', templates: ['nope'], members: [] })).rejects.toMatchObject({ details: { field: 'templates.0' } })
  })
})
