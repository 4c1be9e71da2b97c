import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GroupInput, GroupPatch, MemberInput } from '../../../src-shared/schemas'
import { fixedClock } from '../clock'
import type { CoreContext } from '../context'
import { openDatabase, type Db } from '../db/connection'
import { createMember } from '../members/handlers'
import { dataPaths } from '../paths'
import { groupsHandlers } from './handlers'
import { systemWriter } from '../records/changes'

let dir: string
let db: Db
let ctx: CoreContext
let changed: unknown[]
const now = new Date('2026-11-20T08:00:00Z')

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-groups-'))
  db = openDatabase(join(dir, 'orchard.db'))
  changed = []
  ctx = {
    db,
    paths: dataPaths(dir),
    clock: fixedClock(now.toISOString()),
    host: 'test',
    session: { profileId: null, role: null, name: null },
    keyStore: { dataKey: () => Buffer.alloc(32) },
    version: 'test',
    emit: (_event, payload) => changed.push(payload),
    timezone: () => 'Asia/Shanghai',
    reopen: () => undefined,
  }
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('groups', () => {
  it('creates, searches and patches groups', async () => {
    const owner = createMember(systemWriter(db, now, 'console'), MemberInput.parse({ name: '王芳' }), 'Asia/Shanghai')
    const a = await groupsHandlers.create(GroupInput.parse({ name: '宝妈好物分享 3 群', theme: '母婴', ownerMemberId: owner.id }), ctx)
    await groupsHandlers.create(GroupInput.parse({ name: '生鲜水果拼团 1 群', theme: '生鲜' }), ctx)
    expect(a).toMatchObject({ ownerName: '王芳', memberCount: 1, customerCount: 0, notes: '' })
    expect(changed).toContainEqual({ entities: ['groups'] })
    const names = async (search?: string) => (await groupsHandlers.list({ search }, ctx)).map((g) => g.name)
    expect(await names()).toEqual(['宝妈好物分享 3 群', '生鲜水果拼团 1 群'])
    expect(await names('生鲜')).toEqual(['生鲜水果拼团 1 群'])
    expect(await names('母婴')).toEqual(['宝妈好物分享 3 群'])

    const patched = await groupsHandlers.update({ id: a.id, patch: GroupPatch.parse({ notes: '每天 07:30 早安问候' }) }, ctx)
    expect(patched).toMatchObject({ name: '宝妈好物分享 3 群', theme: '母婴', ownerMemberId: owner.id, notes: '每天 07:30 早安问候' })
    const detail = await groupsHandlers.get({ id: a.id }, ctx)
    expect(detail.members.map((m) => m.name)).toEqual(['王芳'])

    await expect(
      (async () => groupsHandlers.update({ id: a.id, patch: GroupPatch.parse({ ownerMemberId: 'missing' }) }, ctx))(),
    ).rejects.toMatchObject({ code: 'unknown_member', details: { field: 'ownerMemberId', value: 'missing' } })
  })
})
