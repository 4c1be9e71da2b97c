import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { auditRecordHash, canonicalJson, GENESIS_HASH, type AuditRecordWire, type TeamAuditVerification } from '../src-shared/auditChain'
import { RECORDS_PROTOCOL_VERSION, type RecordChangeWire } from '../src-shared/recordsProtocol'
import { ADMIN, useTestServer } from './server.testkit'
import { testBackends } from './testDatabases'

/** A workstation's audit chain as the workstation writes it (the same hashing function). */
function chain(workstation: string, n: number, from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): AuditRecordWire[] {
  const out: AuditRecordWire[] = []
  let prev = from
  for (let i = 1; i <= n; i++) {
    const body = {
      seq: prev.seq + 1,
      id: randomUUID(),
      at: '2026-11-20T02:00:00.000Z',
      actorId: null,
      actorName: '小周',
      actorRole: 'operator',
      kind: 'customer.updated',
      entity: 'customer',
      entityId: randomUUID(),
      summary: `修改了客户 ${prev.seq + 1} 的电话 / changed customer's phones`,
      beforeJson: null,
      afterJson: canonicalJson({ fields: ['phones'] }),
      workstation,
    }
    const record = { ...body, prevHash: prev.hash, hash: auditRecordHash(prev.hash, body) }
    out.push(record)
    prev = { seq: record.seq, hash: record.hash }
  }
  return out
}

for (const backend of testBackends()) {
  describe(`the team's audit on the sync server (${backend.name})`, () => {
    const harness = useTestServer(backend, 'orchard-audit-server')
    const call = harness.call
    const enrol = async (team: string, role: string, workstationId = randomUUID()): Promise<{ token: string; workstationId: string }> => ({
      token: await harness.enrol(team, { role, deviceName: `${role}-ws`, workstationId }),
      workstationId,
    })
    type Refused = { error: { code: string; message: string; details: { path: string; seq: number; reason: string } } }
    const push = (token: string, records: AuditRecordWire[]) => call<{ stored: number; upTo: number } & Refused>('POST', '/v1/audit/push', token, { records })
    const verify = async (token: string) => {
      const r = await call<TeamAuditVerification>('GET', '/v1/audit/verify', token)
      expect(r.status).toBe(200)
      return r.body
    }
    const held = async (team: string) =>
      (await harness.server.database.storage.query<{ chain: string; seq: string | number; hash: string }>('SELECT chain, seq, hash FROM audit_records WHERE team = $1 ORDER BY chain, seq', [team])).map(
        (r) => `${r.chain}:${Number(r.seq)}:${r.hash}`,
      )
    let teams = 0
    const team = () => `audit-${++teams}`

    it('keeps one chain per workstation, takes a repeat again storing nothing, and verifies every chain with the server’s own', async () => {
      const t = team()
      const manager = await enrol(t, 'manager')
      const operator = await enrol(t, 'operator')
      const mine = chain(manager.workstationId, 3)
      const theirs = chain(operator.workstationId, 5)
      expect((await push(manager.token, mine)).body).toMatchObject({ stored: 3, upTo: 3 })
      expect((await push(operator.token, theirs.slice(0, 2))).body).toMatchObject({ stored: 2, upTo: 2 })
      // The reply was lost: the same records again, and the rest after them.
      expect((await push(operator.token, theirs)).body).toMatchObject({ stored: 3, upTo: 5 })
      expect((await push(operator.token, theirs)).body).toMatchObject({ stored: 0, upTo: 5 })

      const v = await verify(manager.token)
      expect(v.intact).toBe(true)
      const byWs = new Map(v.chains.map((c) => [c.workstationId, c]))
      expect(byWs.get(manager.workstationId)).toMatchObject({ kind: 'workstation', deviceNames: ['manager-ws'], records: 3, firstHash: mine[0].hash, lastHash: mine[2].hash, ok: true, firstBroken: null })
      expect(byWs.get(operator.workstationId)).toMatchObject({ records: 5, firstHash: theirs[0].hash, lastHash: theirs[4].hash, ok: true })
      // The server's own chain: both enrolments.
      expect(v.server).toMatchObject({ kind: 'server', workstationId: null, records: 2, ok: true })
      const kinds = await harness.server.database.storage.query<{ kind: string }>(`SELECT kind FROM audit_records WHERE team = $1 AND chain = 'server' ORDER BY seq`, [t])
      expect(kinds.map((k) => k.kind)).toEqual(['device.enrolled', 'device.enrolled'])
    })

    it('refuses a batch that does not continue the chain, with where and why, and stores nothing of it', async () => {
      const t = team()
      const ws = await enrol(t, 'operator')
      const records = chain(ws.workstationId, 4)
      await push(ws.token, records.slice(0, 1))
      const before = await held(t)

      // Record 3 no longer links to record 2 (record 2 was replaced after it was written).
      const replaced = chain(ws.workstationId, 1, { seq: 1, hash: records[0].hash })[0]
      const broken = await push(ws.token, [replaced, records[2], records[3]])
      expect(broken.status).toBe(409)
      expect(broken.body.error).toMatchObject({ code: 'audit_chain_broken', details: { path: 'records.1', seq: 3, reason: 'link_mismatch' } })
      expect(broken.body.error.message).toMatch(/nothing in the batch was stored/)

      // An edited record: its hash no longer matches its content.
      const edited = { ...records[1], summary: '改过的摘要' }
      expect((await push(ws.token, [edited])).body.error).toMatchObject({ code: 'audit_chain_broken', details: { path: 'records.0', seq: 2, reason: 'hash_mismatch' } })
      // A gap, and a record the server holds pushed with other content.
      expect((await push(ws.token, [records[2]])).body.error).toMatchObject({ details: { seq: 3, reason: 'sequence_gap' } })
      expect((await push(ws.token, [{ ...records[0], hash: records[1].hash }])).body.error).toMatchObject({ details: { seq: 1, reason: 'chain_diverged' } })
      // Another workstation's record.
      const foreign = chain(randomUUID(), 2)[1]
      expect((await push(ws.token, [{ ...foreign, seq: 2 }])).body.error).toMatchObject({ details: { seq: 2, reason: 'other_workstation' } })

      const after = await held(t)
      expect(after.filter((r) => !r.startsWith('server:'))).toEqual(before.filter((r) => !r.startsWith('server:')))
      // The server's chain keeps each refusal.
      const kinds = await harness.server.database.storage.query<{ kind: string }>(`SELECT kind FROM audit_records WHERE team = $1 AND chain = 'server' ORDER BY seq`, [t])
      expect(kinds.map((k) => k.kind)).toEqual(['device.enrolled', ...Array(5).fill('audit.refused')])
      // The right records are still taken.
      expect((await push(ws.token, records)).body).toMatchObject({ stored: 3, upTo: 4 })
    })

    it('finds and locates one pushed record edited in the database, and records cut off the server’s chain', async () => {
      const t = team()
      const manager = await enrol(t, 'manager')
      const operator = await enrol(t, 'operator')
      await push(manager.token, chain(manager.workstationId, 2))
      await push(operator.token, chain(operator.workstationId, 6))
      await harness.server.database.storage.query(`UPDATE audit_records SET summary = summary || '（已改）' WHERE team = $1 AND chain = $2 AND seq = 4`, [t, operator.workstationId])

      const v = await verify(manager.token)
      expect(v.intact).toBe(false)
      const byWs = new Map(v.chains.map((c) => [c.workstationId, c]))
      expect(byWs.get(manager.workstationId)).toMatchObject({ ok: true, records: 2 })
      expect(byWs.get(operator.workstationId)).toMatchObject({ ok: false, records: 6, firstBroken: { seq: 4, reason: 'hash_mismatch' } })
      expect(byWs.get(operator.workstationId)!.firstBroken!.message).toMatch(/record 4 was altered/)
      expect(v.server.ok).toBe(true)

      // The operator's device revoked (a record of the server's chain), then that record removed.
      await call('POST', `/v1/admin/devices/${encodeURIComponent((await harness.server.database.storage.query<{ id: string }>('SELECT id FROM devices WHERE workstation_id = $1', [operator.workstationId]))[0].id)}/revoke`, ADMIN)
      await harness.server.database.storage.query(`DELETE FROM audit_records WHERE team = $1 AND chain = 'server' AND kind = 'device.revoked'`, [t])
      const after = await verify(manager.token)
      expect(after.server).toMatchObject({ ok: false, records: 2, firstBroken: { reason: 'head_mismatch', expected: expect.stringMatching(/^3:/) } })
    })

    it('lets only a device enrolled for managers verify; records the refusals and conflicts of records in the server’s chain without their values', async () => {
      const t = team()
      const manager = await enrol(t, 'manager')
      const trainer = await enrol(t, 'trainer')
      const refused = await call<Refused>('GET', '/v1/audit/verify', trainer.token)
      expect(refused.status).toBe(403)
      expect(refused.body.error.code).toBe('forbidden')

      let clientSeq = 0
      const change = (over: Partial<RecordChangeWire>): RecordChangeWire => ({
        clientSeq: ++clientSeq,
        txId: randomUUID(),
        record: 'customer',
        id: randomUUID(),
        op: 'update',
        field: 'notes',
        value: '',
        role: 'manager',
        at: '2026-11-20T02:00:00.000Z',
        ...over,
      })
      const id = randomUUID()
      const records = (token: string, changes: RecordChangeWire[]) => call('POST', '/v1/records/push', token, { protocol: RECORDS_PROTOCOL_VERSION, team: t, changes })
      await records(manager.token, [change({ id, op: 'create', field: null, value: { name: '王芳', phones: ['+8613800138000'], notes: '' } })])
      // The trainer's device may not change a phone: refused.
      await records(trainer.token, [change({ id, field: 'phones', value: ['+8613900139000'], role: 'trainer' })])
      // Two devices change the note on the same base: the later wins and the earlier is kept as a conflict.
      await records(manager.token, [change({ id, field: 'notes', value: '周三送货', base: 1 })])
      await records(trainer.token, [change({ id, field: 'notes', value: '周五送货', role: 'trainer', base: 1 })])

      // The manager puts the earlier note back: the conflict is restored.
      const [k] = await harness.server.database.storage.query<{ later_seq: string | number }>('SELECT later_seq FROM record_conflicts WHERE team = $1', [t])
      await records(manager.token, [change({ id, field: 'notes', value: '周三送货', restores: String(Number(k.later_seq)) })])

      const rows = await harness.server.database.storage.query<{ kind: string; entity: string; entity_id: string; summary: string; after_json: string | null }>(
        `SELECT kind, entity, entity_id, summary, after_json FROM audit_records WHERE team = $1 AND chain = 'server' ORDER BY seq`,
        [t],
      )
      expect(rows.map((r) => r.kind)).toEqual(['device.enrolled', 'device.enrolled', 'records.refused', 'records.conflict_kept', 'records.conflict_restored'])
      expect(rows[2]).toMatchObject({ entity: 'customer', entity_id: id })
      for (const r of rows) expect(`${r.summary} ${r.after_json}`).not.toMatch(/13900139000|13800138000|周三|周五/)
      expect((await verify(manager.token)).server).toMatchObject({ ok: true, records: 5 })
    })
  })
}
