import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { OrchardCore } from '../api'
import { actAs } from '../lifecycle/lifecycle.testkit'
import { readRecords } from '../records/sync'
import { pushRecords, teamHarness } from '../sync/team.testkit'
import { DEFAULT_FORBIDDEN_WORDS } from './copy'

/**
 * The material library as the team's shared records, between workstations and a real
 * server process (PGlite) over HTTP: prices seen elsewhere and the forbidden-claims list.
 */
const team_ = teamHarness('materials')
const { workstation, sync, pairWith, joinTeam } = team_

/** Two workstations of one new team, enrolled, with one product A made and B holds. */
const pairWithProduct = () =>
  pairWith(async (a) => {
    const p = await a.invoke('products', 'create', { sku: 'SP-1001', name: '洗衣液', listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000, stock: 40, images: [] })
    return { productId: p.id }
  })

const today = (core: OrchardCore) => core.context.clock.now().toISOString().slice(0, 10)
const comparisonsOf = (core: OrchardCore) => {
  const ids = core.context.db.prepare('SELECT id FROM price_comparisons ORDER BY id').pluck().all() as string[]
  return [...readRecords(core.context.db, 'comparison', ids).entries()]
}
const changeRows = (core: OrchardCore, record: string) =>
  core.context.db.prepare('SELECT op, field, value_json AS value FROM record_changes WHERE record = ? ORDER BY seq').all(record) as { op: string; field: string | null; value: string | null }[]

describe('competitor prices as shared records', () => {
  it('a price A adds reaches B field by field; its removal travels as a tombstone', async () => {
    const { a, b, productId } = await pairWithProduct()
    actAs(a, 'operator', '小周')
    const added = await a.invoke('comparisons', 'add', { productId, source: '京东自营', priceFen: 7900, observedOn: today(a), url: 'https://item.jd.com/1.html', note: '页面标价' })
    // Recorded in the write's transaction, and its price in the audit log with the value.
    expect(changeRows(a, 'comparison')).toEqual([{ op: 'create', field: null, value: null }])
    const audit = a.context.db.prepare(`SELECT summary, after_json AS after FROM audit_log WHERE entity = 'comparison' AND entity_id = ?`).get(added.id) as { summary: string; after: string }
    expect(audit.summary).toMatch(/SP-1001 · 京东自营/)
    expect(JSON.parse(audit.after)).toMatchObject({ priceFen: 7900 })

    expect((await sync(a)).records).toMatchObject({ pushed: 1, refused: 0 })
    expect((await sync(b)).records).toMatchObject({ notApplied: 0 })
    expect(comparisonsOf(b)).toEqual(comparisonsOf(a))
    expect(await b.invoke('comparisons', 'list', { productId })).toEqual([
      expect.objectContaining({ id: added.id, source: '京东自营', priceFen: 7900, observedOn: today(a), url: 'https://item.jd.com/1.html', note: '页面标价' }),
    ])

    await b.invoke('comparisons', 'remove', { id: added.id })
    expect(changeRows(b, 'comparison')).toEqual([{ op: 'delete', field: null, value: null }])
    await sync(b)
    await sync(a)
    expect(await a.invoke('comparisons', 'list', { productId })).toEqual([])
  })

  it('a new workstation’s snapshot brings the team’s prices and its forbidden-claims list', async () => {
    const { team, a, productId } = await pairWithProduct()
    await a.invoke('comparisons', 'add', { productId, source: '天猫旗舰店', priceFen: 8900, observedOn: today(a), url: '', note: '' })
    await a.invoke('copyTemplates', 'setWords', { words: [...DEFAULT_FORBIDDEN_WORDS, '秒杀全网'] })
    await sync(a)
    const c = await joinTeam(team)
    const round = await sync(c)
    expect(round.records).toMatchObject({ notApplied: 0 })
    expect(round.records.bootstrap).toMatchObject({ records: 3 })
    expect(comparisonsOf(c)).toEqual(comparisonsOf(a))
    expect(await c.invoke('copyTemplates', 'words', {})).toEqual([...DEFAULT_FORBIDDEN_WORDS, '秒杀全网'])
  })

  it('a change claiming a role the device is not enrolled for is refused by the server over HTTP, with the reason; nothing is applied', async () => {
    const { team, a, productId } = await pairWithProduct()
    const trainer = await joinTeam(team, '培训室', 'trainer')
    const id = randomUUID()
    const res = await pushRecords(trainer, team, [
      {
        clientSeq: 1,
        txId: randomUUID(),
        record: 'comparison',
        id,
        op: 'create',
        field: null,
        value: { productId, source: '拼多多', priceFen: 100, observedOn: today(a), url: '', note: '' },
        role: 'manager',
        at: new Date().toISOString(),
      },
    ])
    expect(res.status).toBe(200)
    const body = (await res.json()) as { accepted: number[]; refused: { clientSeq: number; code: string; reason: string }[] }
    expect(body.accepted).toEqual([])
    expect(body.refused).toEqual([expect.objectContaining({ clientSeq: 1, code: 'role_not_enrolled', reason: expect.stringMatching(/enrolled for Trainers/) })])
    // Nothing of it reached the team: A pulls no such price.
    await sync(a)
    expect(a.context.db.prepare('SELECT count(*) FROM price_comparisons WHERE id = ?').pluck().get(id)).toBe(0)
  })
})

describe('the forbidden-claims list as a shared record', () => {
  it('words added on A and on B offline both end on every workstation; a word removed on one is gone everywhere', async () => {
    const { a, b } = await pairWithProduct()
    await a.invoke('copyTemplates', 'setWords', { words: [...DEFAULT_FORBIDDEN_WORDS, '秒杀全网'] })
    await sync(a)
    await sync(b)
    expect(await b.invoke('copyTemplates', 'words', {})).toEqual([...DEFAULT_FORBIDDEN_WORDS, '秒杀全网'])

    // Offline on both: A adds one word, B adds another and removes 永久.
    await a.invoke('copyTemplates', 'setWords', { words: [...DEFAULT_FORBIDDEN_WORDS, '秒杀全网', '药效'] })
    await b.invoke('copyTemplates', 'setWords', { words: [...DEFAULT_FORBIDDEN_WORDS.filter((w) => w !== '永久'), '秒杀全网', '治愈'] })
    expect(changeRows(b, 'forbiddenClaims').slice(-2)).toEqual([
      { op: 'remove', field: 'words', value: JSON.stringify('永久') },
      { op: 'add', field: 'words', value: JSON.stringify('治愈') },
    ])
    await sync(a)
    await sync(b)
    await sync(a)
    const expected = [...DEFAULT_FORBIDDEN_WORDS.filter((w) => w !== '永久'), '秒杀全网', '药效', '治愈'].sort()
    for (const ws of [a, b]) expect([...(await ws.invoke('copyTemplates', 'words', {}))].sort()).toEqual(expected)
    // And the checker on B refuses copy with A's word.
    await expect(b.invoke('copyTemplates', 'save', { channel: 'group', tone: 'all', body: '{name} 药效显著 {price}' })).rejects.toMatchObject({ code: 'copy_refused' })
  })

  it('a workstation’s own preferences (language, theme) are never shared', async () => {
    const { a, b } = await pairWithProduct()
    const before = await b.invoke('settings', 'get', {})
    await a.invoke('settings', 'update', { language: before.language === 'en-US' ? 'zh-CN' : 'en-US', theme: before.theme === 'dark' ? 'light' : 'dark' })
    await a.invoke('copyTemplates', 'setWords', { words: ['第一'] })
    await sync(a)
    await sync(b)
    expect(await b.invoke('copyTemplates', 'words', {})).toEqual(['第一'])
    expect(await b.invoke('settings', 'get', {})).toMatchObject({ language: before.language, theme: before.theme })
  })
})

describe('copy and poster templates as shared records', () => {
  const copyOf = async (core: OrchardCore) => (await core.invoke('copyTemplates', 'list', {})).map((t) => ({ ...t })).sort((x, y) => x.id.localeCompare(y.id))

  it('the shipped variants every workstation seeds itself are one record each: an edit of one on A is the same variant on B, never a second copy', async () => {
    const { a, b } = await pairWithProduct()
    const shipped = await copyOf(a)
    expect(shipped.length).toBeGreaterThan(5)
    expect(await copyOf(b)).toEqual(shipped)
    const first = shipped.find((t) => t.channel === 'group' && t.tone === 'all')!
    await a.invoke('copyTemplates', 'save', { ...first, body: '【果园】{name} 今天 {price}，接龙～' })
    const own = await a.invoke('copyTemplates', 'save', { channel: 'moments', tone: 'all', body: '{name} 到货啦，{price}', active: true })
    expect((await sync(a)).records).toMatchObject({ refused: 0 })
    expect((await sync(b)).records).toMatchObject({ notApplied: 0 })
    const onB = await copyOf(b)
    expect(onB).toEqual(await copyOf(a))
    expect(onB).toHaveLength(shipped.length + 1)
    expect(onB.find((t) => t.id === first.id)).toMatchObject({ body: '【果园】{name} 今天 {price}，接龙～' })
    expect(onB.find((t) => t.id === own.id)).toMatchObject({ channel: 'moments', body: '{name} 到货啦，{price}', active: true })

    // Removed on B: a tombstone, gone on A too.
    await b.invoke('copyTemplates', 'remove', { id: own.id })
    await sync(b)
    await sync(a)
    expect((await copyOf(a)).map((t) => t.id)).not.toContain(own.id)
  })

  it('the same variant’s text edited on A and on B offline: the later push wins, the earlier text is a conflict either restores', async () => {
    const { a, b } = await pairWithProduct()
    actAs(a, 'operator', '小周')
    actAs(b, 'manager', '陈姐')
    const v = await a.invoke('copyTemplates', 'save', { channel: 'group', tone: 'all', body: '{name} 团购 {price}', active: true })
    await sync(a)
    await sync(b)
    await a.invoke('copyTemplates', 'save', { ...v, body: '{name} 周三团购 {price}' })
    await b.invoke('copyTemplates', 'save', { ...v, body: '{name} 周五团购 {price}' })
    await sync(a)
    expect((await sync(b)).records).toMatchObject({ conflicts: 1 })
    await sync(a)
    for (const ws of [a, b]) expect((await copyOf(ws)).find((t) => t.id === v.id)).toMatchObject({ body: '{name} 周五团购 {price}' })
    const [conflict] = await a.invoke('records', 'conflicts', { status: 'open' })
    expect(conflict).toMatchObject({
      record: 'copyTemplate',
      recordId: v.id,
      field: 'body',
      earlier: { value: '{name} 周三团购 {price}', actor: '小周', deviceName: 'A' },
      later: { value: '{name} 周五团购 {price}', actor: '陈姐', deviceName: 'B' },
    })
    await a.invoke('records', 'restoreConflict', { id: conflict.id })
    await sync(a)
    await sync(b)
    for (const ws of [a, b]) {
      expect((await copyOf(ws)).find((t) => t.id === v.id)).toMatchObject({ body: '{name} 周三团购 {price}' })
      expect(await ws.invoke('records', 'conflicts', { status: 'open' })).toEqual([])
    }
  })

  it('a poster template duplicated and edited on A reaches B with its whole layout; archived on B, it is gone from A’s packs; a new workstation’s snapshot brings it', async () => {
    const { team, a, b } = await pairWithProduct()
    const shippedId = (await a.invoke('posterTemplates', 'list', {})).find((t) => t.builtin)!.id
    const { template } = await a.invoke('posterTemplates', 'duplicate', { id: shippedId })
    const edited = { ...template, name: '店庆红' }
    const saved = await a.invoke('posterTemplates', 'save', { id: template.id as string, template: edited })
    expect(changeRows(a, 'posterTemplate').map((r) => [r.op, r.field])).toEqual([
      ['create', null],
      ['update', 'name'],
      ['update', 'spec'],
    ])
    await sync(a)
    await sync(b)
    const onB = await b.invoke('posterTemplates', 'get', { id: template.id as string })
    expect(onB).toEqual({ builtin: false, template: saved.template })
    expect((await b.invoke('packs', 'templates', {})).find((t) => t.id === template.id)).toMatchObject({ name: '店庆红', builtin: false })

    const c = await joinTeam(team)
    expect((await sync(c)).records).toMatchObject({ notApplied: 0 })
    expect(await c.invoke('posterTemplates', 'get', { id: template.id as string })).toEqual({ builtin: false, template: saved.template })

    await b.invoke('posterTemplates', 'archive', { id: template.id as string })
    await sync(b)
    await sync(a)
    expect((await a.invoke('packs', 'templates', {})).map((t) => t.id)).not.toContain(template.id)
  })
})

describe('a studio from before the material library was shared', () => {
  it('keeps the forbidden-claims list it had edited, as the list record, recorded as the studio’s own change for the team', async () => {
    // The studio as 0025 left it: the list a private setting of the workstation.
    const { dir, db } = team_.olderStudio(25)
    db.prepare(`INSERT INTO settings (key, value) VALUES ('_materials.forbiddenWords', ?)`).run(JSON.stringify(['第一', '秒杀全网']))
    db.close()

    const core = workstation(dir)
    expect(await core.invoke('copyTemplates', 'words', {})).toEqual(['第一', '秒杀全网'])
    expect(core.context.db.prepare(`SELECT count(*) FROM settings WHERE key = '_materials.forbiddenWords'`).pluck().get()).toBe(0)
    expect(core.context.db.prepare(`SELECT record, record_id AS id, op, actor_role AS role FROM record_changes WHERE record = 'forbiddenClaims'`).all()).toEqual([
      { record: 'forbiddenClaims', id: 'studio', op: 'create', role: 'system' },
    ])
  })
})
