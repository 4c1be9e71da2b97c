import { describe, expect, it, vi } from 'vitest'
import type { OrchardCore } from '../api'
import { readRecords } from '../records/sync'
import { startSyncLoop, type SyncLoopOptions } from './index'
import { teamHarness } from './team.testkit'

/**
 * An online workstation hears of the team's edits without being told to sync: its loop
 * keeps a records pull waiting on the server (a real `orchard server` process), and the
 * editing workstation's loop pushes a save shortly after it is made.
 */
const team_ = teamHarness('propagation')
const { workstation, sync, pair } = team_

// Rounds on their timers would come only after the test's limit: what arrives, arrives by
// the waiting pull (B) and by the push after a save (A).
const QUIET: SyncLoopOptions = { idleMs: 600_000, watchMs: 600_000, backoffMs: 200, maxBackoffMs: 1_000 }
const ARRIVES = { timeout: 30_000, interval: 50 }

const notes = (core: OrchardCore, id: string) => readRecords(core.context.db, 'customer', [id]).get(id)?.notes

/** The loop started, its first round done (nothing to do): from here on only a save moves anything. */
async function online(core: OrchardCore): Promise<void> {
  const before = (await core.invoke('sync', 'status', {})).lastSuccessAt
  await startSyncLoop(core.context, QUIET)
  await vi.waitFor(async () => {
    const s = await core.invoke('sync', 'status', {})
    expect(s.lastSuccessAt).not.toBe(before)
    expect(s.phase).toBe('idle')
  }, ARRIVES)
}

/** Two workstations of a new team in sync, both holding the customer A made before enrolling (its id). */
async function pairWithCustomer(): Promise<[OrchardCore, OrchardCore, string]> {
  const a = workstation()
  const c = await a.invoke('customers', 'create', { name: '王芳', phones: ['13800138000'], notes: '' })
  const [, b] = await pair({ a })
  await sync(a)
  await sync(b)
  return [a, b, c.id]
}

describe('an edit reaches an online workstation by itself', () => {
  it('A’s loop pushes the save and B’s waiting pull brings it, neither told to sync', async () => {
    const [a, b, id] = await pairWithCustomer()
    await online(a)
    await online(b)

    for (const value of ['周末联系', '只要无香型', '已转给小美']) {
      await a.invoke('customers', 'update', { id, patch: { notes: value } })
      await vi.waitFor(() => expect(notes(b, id)).toBe(value), ARRIVES)
    }
    // And back: B's edit reaches A the same way.
    await b.invoke('customers', 'update', { id, patch: { notes: 'B 回复了' } })
    await vi.waitFor(() => expect(notes(a, id)).toBe('B 回复了'), ARRIVES)
    expect((await b.invoke('sync', 'status', {})).records.pending).toBe(0)
  })

  it('a manual sync is not held up by the waiting pull, and the pull still brings the next edit', async () => {
    const [a, b, id] = await pairWithCustomer()
    await online(b)
    // B's own save and "sync now" go through while its pull waits on the server.
    await b.invoke('customers', 'update', { id, patch: { name: '王芳（老客）' } })
    const round = await sync(b)
    expect(round.records.pending).toBe(0)
    await sync(a)
    expect(readRecords(a.context.db, 'customer', [id]).get(id)?.name).toBe('王芳（老客）')

    await a.invoke('customers', 'update', { id, patch: { notes: '手动同步之后' } })
    await sync(a)
    await vi.waitFor(() => expect(notes(b, id)).toBe('手动同步之后'), ARRIVES)
  })

  it('a device revoked while its pull waits learns it at once', async () => {
    const [, b] = await pairWithCustomer()
    await online(b)
    const deviceId = (await b.invoke('sync', 'status', {})).deviceId!
    await team_.server.admin('POST', `/v1/admin/devices/${deviceId}/revoke`)
    // Not at its next round (ten minutes away): the waiting pull is answered with the refusal.
    await vi.waitFor(async () => expect((await b.invoke('sync', 'status', {})).phase).toBe('revoked'), ARRIVES)
  })
})
