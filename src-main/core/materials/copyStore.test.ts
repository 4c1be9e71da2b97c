import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'
import { DEFAULT_COPY, DEFAULT_FORBIDDEN_WORDS } from './copy'
import { seedCopyTemplates } from './copyStore'

describe('the studio’s copy templates', () => {
  let dir: string
  let core: OrchardCore
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchard-copy-'))
    core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'demo', clock: fixedClock('2026-11-20T04:00:00Z') })
  })
  afterAll(async () => {
    await core.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('starts with the shipped variants, per channel and per tone', async () => {
    const rows = await core.invoke('copyTemplates', 'list', {})
    expect(rows.filter((r) => r.channel === 'moments' && r.tone === 'all').map((r) => r.body)).toEqual(DEFAULT_COPY.moments)
    expect(rows.some((r) => r.channel === 'private' && r.tone === 'bargain')).toBe(true)
  })

  it('refuses a variant with a forbidden claim or an unknown variable, naming it; the list of words is editable', async () => {
    await expect(core.invoke('copyTemplates', 'save', { channel: 'group', tone: 'all', body: '全网最低价 {price}！' })).rejects.toMatchObject({
      code: 'copy_refused',
      details: { field: 'body', value: '最' },
    })
    await expect(core.invoke('copyTemplates', 'save', { channel: 'group', tone: 'all', body: '{product} 团购价 {price}' })).rejects.toMatchObject({ details: { value: '{product}' } })
    const tried = await core.invoke('copyTemplates', 'try', { body: '爆款 {name} 只要 {price}' })
    expect(tried.text).toMatch(/^爆款 .+ 只要 ¥\d+/)
    expect(tried.findings).toEqual([])
    expect(await core.invoke('copyTemplates', 'setWords', { words: [...DEFAULT_FORBIDDEN_WORDS, ' 爆款 ', '爆款'] })).toContain('爆款')
    expect((await core.invoke('copyTemplates', 'try', { body: '爆款 {name} 只要 {price}' })).findings.map((f) => f.text)).toEqual(['爆款'])
    expect(await core.invoke('copyTemplates', 'setWords', { words: [] })).toEqual(DEFAULT_FORBIDDEN_WORDS)
  })

  it('shipped variants a studio seeded under ids of its own before they were shared take the shared ids, unless edited', () => {
    const db = core.context.db
    const shipped = db.prepare(`SELECT id FROM copy_templates WHERE id LIKE 'shipped-%' AND created_at = updated_at ORDER BY id`).pluck().all() as string[]
    expect(shipped.length).toBeGreaterThan(5)
    db.prepare(`UPDATE copy_templates SET id = 'old-' || id WHERE id LIKE 'shipped-%'`).run()
    // One of them edited since: it stays the studio's own.
    db.prepare(`UPDATE copy_templates SET updated_at = '2026-11-21T00:00:00.000Z' WHERE id = ?`).run(`old-${shipped[0]}`)
    seedCopyTemplates(db, core.context.clock.now().toISOString())
    const now = db.prepare(`SELECT id FROM copy_templates WHERE created_at = updated_at ORDER BY id`).pluck().all() as string[]
    expect(now.filter((id) => id.startsWith('shipped-'))).toEqual(shipped.slice(1))
    expect(db.prepare('SELECT count(*) FROM copy_templates WHERE id = ?').pluck().get(`old-${shipped[0]}`)).toBe(1)
  })

  it('the demo’s competitor prices are shared records: each one recorded as created by the studio itself, in the seed’s transaction', () => {
    const db = core.context.db
    const prices = db.prepare('SELECT id FROM price_comparisons ORDER BY id').pluck().all() as string[]
    expect(prices.length).toBeGreaterThan(0)
    const recorded = db.prepare(`SELECT record_id FROM record_changes WHERE record = 'comparison' AND op = 'create' AND source = 'demo' AND actor_role = 'system' ORDER BY record_id`).pluck().all()
    expect(recorded).toEqual(prices)
  })

  it('packs post the studio’s own variants: a group reads what the operator wrote', async () => {
    for (const r of (await core.invoke('copyTemplates', 'list', {})).filter((x) => x.channel === 'group')) {
      await core.invoke('copyTemplates', 'save', { ...r, active: false })
    }
    await core.invoke('copyTemplates', 'save', { channel: 'group', tone: 'all', body: '【果园团购】{name} 今天 {price}，群里接龙～' })
    const owner = (await core.invoke('members', 'all', {})).find((m) => m.status === 'active')!
    const group = await core.invoke('groups', 'create', { name: '文案测试群', ownerMemberId: owner.id })
    const out = join(dir, 'out')
    await core.invoke('packs', 'generate', { date: '2026-11-21', groups: [group.id], members: [], templates: ['clean-white'], products: ['MZ-1001'], out })
    const copy = readFileSync(join(out, '群-文案测试群', '文案.txt'), 'utf8')
    expect(copy).toMatch(/【果园团购】.+ 今天 ¥\d+，群里接龙～/)
  })
})
