import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { OrchardCore } from '../api'
import { actAs } from '../lifecycle/lifecycle.testkit'
import { readRecords } from '../records/sync'
import { teamHarness } from './team.testkit'

/**
 * A device enrolled for trainers acts only for trainers, who see phones, addresses and WeChat
 * ids masked: over the real transport it never receives them — not in the records it pulls,
 * not in conflicts, not in what undoes a refused change.
 */
const harness = teamHarness('trainer-device')
const { workstation, sync, enrol } = harness

/** Every byte of the workstation's database files, after it is closed (checkpointed) — what someone holding the disk could read. */
async function databaseBytes(core: OrchardCore): Promise<string> {
  const dir = harness.dirOf(core)
  const file = core.context.db.name
  await harness.close(core)
  expect(file.startsWith(dir)).toBe(true)
  return [file, `${file}-wal`, `${file}-journal`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('utf8'))
    .join('\n')
}

const PHONES = ['13800138000', '13912345678']
const ADDRESSES = ['浙江省杭州市西湖区文三路 100 号', '辽宁省沈阳市和平区南京北街 1 号']
const SECRETS = [...PHONES, '13700137000', '13612340000', '19987654321', '文三路', '南京北街', 'wx_wangfang', 'wx_limentor']

describe('a device enrolled for trainers never receives real contacts', () => {
  it('pulls customers and members with their contacts left out, and a trainer’s edit of the note leaves them intact everywhere', async () => {
    const team = 'trainers1'
    const operator = workstation()
    const manager = workstation()
    const trainer = workstation()
    await enrol(operator, team, '前台', 'operator')
    await enrol(manager, team, '店长', 'manager')
    await enrol(trainer, team, '培训室', 'trainer')
    actAs(operator, 'operator', '小周')
    actAs(manager, 'manager', '陈姐')

    const mentor = await operator.invoke('members', 'create', { name: '李师父', inviteCode: 'MENTOR01', joinDate: '2026-09-01', phone: '19987654321', wechatId: 'wx_limentor' })
    const c = await operator.invoke('customers', 'create', { name: '蒋强东', phones: PHONES, addresses: ADDRESSES, wechatId: 'wx_wangfang', ownerMemberId: mentor.id, notes: '' })
    await sync(operator)
    await sync(manager)
    // The same phone list changed on two workstations: a conflict the whole team lists.
    await operator.invoke('customers', 'update', { id: c.id, patch: { phones: [...PHONES, '13700137000'] } })
    await manager.invoke('customers', 'update', { id: c.id, patch: { phones: [...PHONES, '13612340000'] } })
    await sync(operator)
    expect((await sync(manager)).records.conflicts).toBe(1)

    const pulled = await sync(trainer)
    expect(pulled.records).toMatchObject({ notApplied: 0, pending: 0 })
    // The trainer's workstation works with what it holds: the customer and the member are there, without contacts.
    expect(readRecords(trainer.context.db, 'customer', [c.id]).get(c.id)).toMatchObject({ name: '蒋强东', phones: [], addresses: [], wechatId: null, ownerMemberId: mentor.id })
    expect(readRecords(trainer.context.db, 'member', [mentor.id]).get(mentor.id)).toMatchObject({ name: '李师父', inviteCode: 'MENTOR01', phone: null, wechatId: null })
    actAs(trainer, 'trainer', '林老师')
    expect((await trainer.invoke('customers', 'list', { search: '蒋强东' })).rows.map((r) => r.id)).toEqual([c.id])
    // The conflict is listed there too, with neither phone list.
    const [conflict] = await trainer.invoke('records', 'conflicts', {})
    expect(conflict).toMatchObject({ field: 'phones', earlier: { value: [] }, later: { value: [] } })

    // The trainer writes a note: only the note travels.
    await trainer.invoke('customers', 'update', { id: c.id, patch: { notes: '周末再联系' } })
    expect((await sync(trainer)).records).toMatchObject({ pushed: 1, refused: 0, pending: 0 })
    await sync(operator)
    await sync(manager)
    const real = { name: '蒋强东', notes: '周末再联系', phones: ['+8613800138000', '+8613912345678', '+8613612340000'], addresses: ADDRESSES, wechatId: 'wx_wangfang' }
    expect(readRecords(operator.context.db, 'customer', [c.id]).get(c.id)).toMatchObject(real)
    // The server's book: a workstation new to the team (a manager's) pulls the real contacts.
    const fresh = workstation()
    await enrol(fresh, team, '新电脑', 'manager')
    await sync(fresh)
    expect(readRecords(fresh.context.db, 'customer', [c.id]).get(c.id)).toMatchObject(real)
    expect(readRecords(fresh.context.db, 'member', [mentor.id]).get(mentor.id)).toMatchObject({ phone: '+8619987654321', wechatId: 'wx_limentor' })

    // Nothing of the contacts anywhere in the trainer's database files.
    const bytes = await databaseBytes(trainer)
    for (const secret of SECRETS) expect(bytes.includes(secret), secret).toBe(false)
  })

  it('a refused change of a phone on the trainer’s device is undone there without the team’s number', async () => {
    const team = 'trainers2'
    const operator = workstation()
    const trainer = workstation()
    await enrol(operator, team, '前台', 'operator')
    await enrol(trainer, team, '培训室', 'trainer')
    const c = await operator.invoke('customers', 'create', { name: '王芳', phones: PHONES, addresses: ADDRESSES, notes: '' })
    await sync(operator)
    await sync(trainer)
    // From the trainer's command line (it may write any field there); the server refuses it for the device's role.
    await trainer.invoke('customers', 'update', { id: c.id, patch: { phones: ['13500135000'] } })
    expect((await sync(trainer)).records).toMatchObject({ refused: 1, pending: 0 })
    expect(readRecords(trainer.context.db, 'customer', [c.id]).get(c.id)).toMatchObject({ phones: [] })
    await sync(operator)
    expect(readRecords(operator.context.db, 'customer', [c.id]).get(c.id)).toMatchObject({ phones: ['+8613800138000', '+8613912345678'] })
    const bytes = await databaseBytes(trainer)
    for (const secret of [...PHONES, '文三路']) expect(bytes.includes(secret), secret).toBe(false)
  })
})
