import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { OrchardCore } from '../api'
import { actAs, refusal } from '../lifecycle/lifecycle.testkit'
import { workstationId } from '../workstation'
import { AUDIT_SYNC_STEPS, startSyncLoop, syncLoopOf } from './index'
import { teamHarness } from './team.testkit'

/**
 * The team's audit between workstations and a real server process (PGlite) over HTTP: each
 * workstation's chain reaches the server, and a manager verifies them all with the server's.
 */
const harness = teamHarness('team-audit')
const { workstation, reopen, enrol, sync, withServerDatabase, newTeam } = harness
const localChain = (core: OrchardCore) => {
  const rows = core.context.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq').all() as { seq: number; hash: string }[]
  return { records: rows.length, first: rows[0]?.hash ?? null, last: rows.at(-1)?.hash ?? null }
}

/** A manager's workstation and an operator's, enrolled for those roles, each with audited work pushed. */
async function team(): Promise<[OrchardCore, OrchardCore]> {
  const t = newTeam()
  const a = workstation()
  const b = workstation()
  await enrol(a, t, '店长', 'manager')
  await enrol(b, t, '前台', 'operator')
  actAs(a, 'manager', '陈姐')
  actAs(b, 'operator', '小周')
  const c = await b.invoke('customers', 'create', { name: '王芳', phones: ['13800138000'], addresses: ['广东省深圳市南山区科技园 1 号'], notes: '' })
  await b.invoke('customers', 'update', { id: c.id, patch: { phones: ['13800138001'] } })
  const p = await a.invoke('products', 'create', { sku: 'SP-1001', name: '洗衣液', listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000, commissionBp: 1500, images: [] })
  await a.invoke('products', 'update', { id: p.id, patch: { salePriceFen: 5500 } })
  return [a, b]
}

describe('the team’s audit: one chain per workstation plus the server’s, verified together', () => {
  it('each workstation’s chain reaches the server in order; a manager verifies every chain and the server’s', async () => {
    const [a, b] = await team()
    const roundB = await sync(b)
    expect(roundB.audit).toEqual({ pushed: localChain(b).records, pending: 0 })
    await sync(a)
    // Nothing new: nothing sent again.
    expect((await sync(b)).audit).toMatchObject({ pushed: 0, pending: 0 })

    const v = await a.invoke('audit', 'verifyTeam', {})
    expect(v.intact).toBe(true)
    const byWs = new Map(v.chains.map((c) => [c.workstationId, c]))
    for (const [ws, name] of [
      [a, '店长'],
      [b, '前台'],
    ] as const) {
      const here = localChain(ws)
      expect(here.records).toBeGreaterThan(1)
      expect(byWs.get(workstationId(ws.context.db))).toEqual({
        kind: 'workstation',
        workstationId: workstationId(ws.context.db),
        deviceNames: [name],
        records: here.records,
        firstHash: here.first,
        lastHash: here.last,
        ok: true,
        firstBroken: null,
      })
    }
    expect(v.server).toMatchObject({ kind: 'server', ok: true, records: 2 })
    expect(v.here).toMatchObject({ workstationId: workstationId(a.context.db), records: localChain(a).records, pushed: localChain(a).records, refused: null })

    // As the audit screen: managers only, in the core and again on the server.
    actAs(a, 'operator', '小周')
    expect(await refusal(() => a.invoke('audit', 'verifyTeam', {}))).toMatchObject({ code: 'forbidden' })
    actAs(b, 'manager', '陈姐')
    const onOperatorsDevice = await refusal(() => b.invoke('audit', 'verifyTeam', {}))
    expect(onOperatorsDevice).toMatchObject({ code: 'sync_rejected', details: { status: 403 } })
    expect(onOperatorsDevice.message).toMatch(/only a device enrolled for managers/)
  })

  it('one pushed record edited in the server’s database is found and located; no personal value reached the server', async () => {
    const [a, b] = await team()
    await sync(b)
    await sync(a)
    const wsB = workstationId(b.context.db)
    await withServerDatabase(async (db) => {
      const held = await db.query<{ text: string }>(`SELECT concat_ws(' ', summary, before_json, after_json, entity_id) AS text FROM audit_records`)
      expect(held.rows.length).toBeGreaterThan(localChain(b).records)
      for (const r of held.rows) expect(r.text).not.toMatch(/1380013800|科技园/)
      await db.query(`UPDATE audit_records SET summary = summary || ' ' WHERE chain = $1 AND seq = 2`, [wsB])
    })
    const v = await a.invoke('audit', 'verifyTeam', {})
    expect(v.intact).toBe(false)
    const byWs = new Map(v.chains.map((c) => [c.workstationId, c]))
    expect(byWs.get(wsB)).toMatchObject({ ok: false, records: localChain(b).records, firstBroken: { seq: 2, reason: 'hash_mismatch' } })
    expect(byWs.get(workstationId(a.context.db))).toMatchObject({ ok: true })
    expect(v.server.ok).toBe(true)

    // The command line says the same, and exits 1.
    const dir = harness.dirOf(a)
    await harness.close(a)
    const cli = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', '..', 'bin', 'orchard.mjs'), 'audit', 'verify', '--team', '--json', '--data-dir', dir], { encoding: 'utf8' })
    expect(cli.status).toBe(1)
    const printed = JSON.parse(cli.stdout.trim().split('\n').at(-1)!)
    expect(printed).toMatchObject({ intact: false, server: { ok: true } })
    expect(printed.chains.find((c: { workstationId: string }) => c.workstationId === wsB)).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: 'hash_mismatch' } })
  })

  it('survives being killed at every step of the audit’s push: nothing lost, nothing stored twice', async () => {
    let [a] = await team()
    for (const step of AUDIT_SYNC_STEPS) {
      await a.invoke('customers', 'create', { name: `客户 ${step}`, phones: [`1390013${String(9000 + AUDIT_SYNC_STEPS.indexOf(step))}`] })
      let fired = false
      await startSyncLoop(a.context, {
        idleMs: 60_000,
        onStep: (s) => {
          if (s !== step || fired) return
          fired = true
          throw new Error(`killed at ${s}`)
        },
      })
      await syncLoopOf(a.context)!.syncNow().catch(() => undefined)
      expect(fired).toBe(true)
      a = await reopen(a)
    }
    expect((await sync(a)).audit.pending).toBe(0)
    const v = await a.invoke('audit', 'verifyTeam', {})
    const here = localChain(a)
    expect(v.chains.find((c) => c.workstationId === workstationId(a.context.db))).toMatchObject({ ok: true, records: here.records, lastHash: here.last })
  })

  it('records the server refuses (its copy of the chain was altered) stay here with the reason; the rest of the round goes on', async () => {
    const [a, b] = await team()
    await sync(b)
    const wsB = workstationId(b.context.db)
    const last = localChain(b).records
    await withServerDatabase((db) => db.query(`UPDATE audit_records SET hash = $2 WHERE chain = $1 AND seq = $3`, [wsB, 'f'.repeat(64), last]))
    // A new audited change (a phone) after the altered record.
    await b.invoke('customers', 'create', { name: '孙八', phones: ['13500135000'], notes: '' })
    const round = await sync(b)
    expect(round.records).toMatchObject({ pushed: 1, pending: 0 })
    expect(round.audit.pending).toBeGreaterThan(0)
    await sync(a)
    const onA = await a.invoke('audit', 'verifyTeam', {})
    expect(onA.chains.find((c) => c.workstationId === wsB)).toMatchObject({ records: last, ok: false, firstBroken: { seq: last, reason: 'hash_mismatch' } })
    // Where this workstation stands: its records not on the server, and the server's reason.
    const refused = (b.context.db.prepare("SELECT value FROM lifecycle_settings WHERE key = 'audit_push_refused'").get()) as { value: string }
    expect(JSON.parse(refused.value)).toMatchObject({ code: 'audit_chain_broken', details: { seq: last + 1, reason: 'link_mismatch' } })
    // Not offered again at every round.
    expect((await sync(b)).audit).toMatchObject({ pushed: 0 })
  })

  it('a workstation not enrolled has no team audit to verify', async () => {
    const lone = workstation()
    expect(await refusal(() => lone.invoke('audit', 'verifyTeam', {}))).toMatchObject({ code: 'sync_not_enrolled' })
  })
})
