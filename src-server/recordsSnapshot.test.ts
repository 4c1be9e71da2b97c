import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  RECORDS_PROTOCOL_VERSION,
  SNAPSHOT_ORDER,
  type RecordChangeWire,
  type RecordsPullResponse,
  type RecordsSnapshotResponse,
  type SnapshotRecord,
} from '../src-shared/recordsProtocol'
import { useTestServer } from './server.testkit'
import { testBackends } from './testDatabases'

let clientSeq = 0
function change(over: Partial<RecordChangeWire> = {}): RecordChangeWire {
  return { clientSeq: ++clientSeq, txId: randomUUID(), record: 'customer', id: randomUUID(), op: 'update', field: 'notes', value: '备注', role: 'manager', at: '2026-11-20T02:00:00.000Z', ...over }
}
const create = (record: RecordChangeWire['record'], id: string, value: Record<string, unknown>): RecordChangeWire => change({ record, id, op: 'create', field: null, value })
const customer = (id: string, over: Record<string, unknown> = {}) =>
  create('customer', id, { name: '王芳', wechatId: null, phones: [], addresses: [], tags: [], relClass: 'C', segment: null, ownerMemberId: null, notes: '', ...over })

for (const backend of testBackends()) {
  describe(`the snapshot a new workstation starts from (${backend.name})`, () => {
    const harness = useTestServer(backend, 'orchard-records-snapshot')
    const call = harness.call
    const enrol = (team: string) => harness.enrol(team)
    const push = async (token: string, team: string, changes: RecordChangeWire[]) => {
      const r = await call<{ stored: number }>('POST', '/v1/records/push', token, { protocol: RECORDS_PROTOCOL_VERSION, team, changes })
      expect(r.status).toBe(200)
      expect(r.body.stored).toBe(changes.length)
    }
    const page = async (token: string, q: Record<string, string | number>) => {
      const r = await call<RecordsSnapshotResponse>('GET', `/v1/records/snapshot?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString()}`, token)
      expect(r.status).toBe(200)
      return r.body
    }

    it('pages through the live records as of one sequence while the team keeps pushing; the changes after it bring the rest', async () => {
      const team = 'snap-1'
      const [a, fresh] = [await enrol(team), await enrol(team)]
      const [mentor, member, product, kept, deletedLater, deletedBefore, group] = Array.from({ length: 7 }, () => randomUUID())
      await push(a, team, [
        customer(kept, { notes: '旧备注', ownerMemberId: member }),
        customer(deletedLater, { name: '李四' }),
        customer(deletedBefore, { name: '张三' }),
        create('group', group, { name: '宝妈群', ownerMemberId: member, theme: null, notes: '', massSendAllowance: 3 }),
        create('product', product, { sku: 'SP-1', name: '洗衣液', listPriceFen: 100, stock: 5 }),
        create('member', member, { name: '小美', inviteCode: 'ALICE001', mentorId: mentor }),
        create('member', mentor, { name: '李师父', inviteCode: 'MENTOR01', mentorId: null }),
        change({ id: deletedBefore, op: 'delete', field: null, value: null }),
      ])

      const first = await page(fresh, { limit: 2 })
      const at = first.at
      expect(first.total).toBe(6)
      // The team goes on while the new workstation reads: none of it shows in the snapshot.
      const madeLater = randomUUID()
      await push(a, team, [
        change({ id: kept, field: 'notes', value: '新备注' }),
        change({ id: deletedLater, op: 'delete', field: null, value: null }),
        customer(madeLater, { name: '后来的' }),
        change({ record: 'member', id: mentor, field: 'name', value: '李老师' }),
      ])
      const records: SnapshotRecord[] = [...first.records]
      let next = first.next
      let pages = 1
      let last = first
      while (next) {
        last = await page(fresh, { at, record: next.record, after: next.after, limit: 2 })
        expect(last.at).toBe(at)
        expect(last.total).toBeNull()
        records.push(...last.records)
        next = last.next
        pages++
      }
      expect(pages).toBeGreaterThanOrEqual(3)
      // Each record once, its references before it: members, products, then customers and groups.
      expect(new Set(records.map((r) => r.id)).size).toBe(records.length)
      const kinds = records.map((r) => SNAPSHOT_ORDER.indexOf(r.record))
      expect(kinds).toEqual([...kinds].sort((x, y) => x - y))
      expect(records.map((r) => r.record).slice(0, 3)).toEqual(['member', 'member', 'product'])
      const byId = new Map(records.map((r) => [r.id, r.value]))
      expect([...byId.keys()].sort()).toEqual([mentor, member, product, kept, deletedLater, group].sort())
      expect(byId.get(kept)).toMatchObject({ notes: '旧备注', ownerMemberId: member, name: '王芳' })
      expect(byId.get(mentor)).toMatchObject({ name: '李师父', inviteCode: 'MENTOR01' })
      expect(byId.get(deletedLater)).toMatchObject({ name: '李四' })

      // Then the changes after `at`: what the team did meanwhile, and nothing of before.
      const after = (await call<RecordsPullResponse>('GET', `/v1/records/pull?after=${at}`, fresh)).body
      expect(after.changes.map((c) => [c.id, c.op, c.field])).toEqual([
        [kept, 'update', 'notes'],
        [deletedLater, 'delete', null],
        [madeLater, 'create', null],
        [mentor, 'update', 'name'],
      ])
    })

    it('a team with nothing yet gives an empty snapshot at 0; another team’s records never appear', async () => {
      const [other, fresh] = [await enrol('snap-other'), await enrol('snap-empty')]
      await push(other, 'snap-other', [customer(randomUUID())])
      const only = await page(fresh, {})
      expect(only).toMatchObject({ at: 0, records: [], next: null, total: 0, conflicts: [] })
    })

    it('a malformed page request is refused with where it is', async () => {
      const fresh = await enrol('snap-bad')
      const r = await call<{ error: { code: string; details: unknown } }>('GET', '/v1/records/snapshot?record=invoice&limit=2', fresh)
      expect(r.status).toBe(400)
      expect(JSON.stringify(r.body.error)).toContain('record')
    })
  })
}
