import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTestStudio, refusal, type TestStudio } from './lifecycle.testkit'
import { temperatureScore } from '../../../src-shared/lifecycle/temperature'

let s: TestStudio
let groupId: string

beforeEach(async () => {
  s = await openTestStudio('2026-03-10T04:00:00Z')
  await s.signIn('operator')
  const owner = await s.core.invoke('members', 'create', { name: '群主阿梅', inviteCode: 'AMEI01', joinDate: '2025-01-01' })
  groupId = (await s.core.invoke('groups', 'create', { name: '宝妈好物分享 1 群', ownerMemberId: owner.id })).id
})
afterEach(async () => {
  await s.close()
})

function csv(name: string, text: string): string {
  const path = join(s.dir, name)
  writeFileSync(path, `\uFEFF${text}`)
  return path
}

describe('group temperature', () => {
  it('scores a day from its rituals and replies, 0–100', () => {
    const none = { morning: 0, night: 0, training: 0, goal: 0, red_envelope: 0, showcase: 0, replies: 0 }
    expect(temperatureScore(none)).toBe(0)
    expect(temperatureScore({ ...none, morning: 1, night: 1 })).toBe(20)
    expect(temperatureScore({ morning: 3, night: 1, training: 1, goal: 1, red_envelope: 5, showcase: 9, replies: 900 })).toBe(100)
    expect(temperatureScore({ ...none, replies: 75 })).toBe(15)
  })

  it('imports a CSV activity log all-or-nothing, reporting file, row, column, value, code and reason', async () => {
    const bad = csv('群活动.csv', ['日期,社群,类型,数量', '2026-03-08,宝妈好物分享 1 群,早安,1', '2026-03-08,不存在的群,晚安,1', '2026-02-30,宝妈好物分享 1 群,晒单,2', '2026-03-08,宝妈好物分享 1 群,跳舞,1', '2026-03-09,宝妈好物分享 1 群,回复,-5'].join('\n'))
    const result = await s.core.invoke('temperature', 'importCsv', { path: bad })
    expect(result).toMatchObject({ fileName: '群活动.csv', committed: false, written: 0, errorCount: 4 })
    expect(result.errors).toEqual([
      { file: '群活动.csv', row: 3, column: '社群', value: '不存在的群', code: expect.any(String), reason: expect.stringContaining('找不到这个社群') },
      { file: '群活动.csv', row: 4, column: '日期', value: '2026-02-30', code: expect.any(String), reason: expect.stringContaining('日期不存在') },
      { file: '群活动.csv', row: 5, column: '类型', value: '跳舞', code: expect.any(String), reason: expect.stringContaining('未知的活动类型') },
      { file: '群活动.csv', row: 6, column: '数量', value: '-5', code: expect.any(String), reason: expect.stringContaining('整数') },
    ])
    expect((await s.core.invoke('temperature', 'series', { groupId, from: '2026-03-08', to: '2026-03-09' })).days.every((d) => !d.logged)).toBe(true)

    const good = csv('log.csv', ['日期,社群,类型,数量', '2026-03-08 07:02,宝妈好物分享 1 群,早安,', '2026-03-08 20:00,宝妈好物分享 1 群,培训,1', '2026-03-08,宝妈好物分享 1 群,回复,80', '2026-03-08,宝妈好物分享 1 群,回复,70', '2026-03-09,宝妈好物分享 1 群,晚安,1'].join('\n'))
    const ok = await s.core.invoke('temperature', 'importCsv', { path: good })
    expect(ok).toMatchObject({ committed: true, rows: 5, written: 2, errorCount: 0 })
    // Importing the same log again changes nothing: the file's group-days replace what was there.
    await s.core.invoke('temperature', 'importCsv', { path: good })
    const series = await s.core.invoke('temperature', 'series', { groupId, from: '2026-03-07', to: '2026-03-09' })
    expect(series.days.map((d) => [d.day, d.logged, d.score])).toEqual([
      ['2026-03-07', false, 0],
      ['2026-03-08', true, 60],
      ['2026-03-09', true, 10],
    ])
    expect(series.days[1].counts).toMatchObject({ morning: 1, training: 1, replies: 150 })
    expect(series.average.at(-1)).toEqual({ day: '2026-03-09', score: 23.3 })
  })

  it('takes a day entered by hand, never a future one, and only from operators and managers', async () => {
    const counts = { morning: 1, night: 1, training: 0, goal: 1, red_envelope: 1, showcase: 2, replies: 30 }
    const day = await s.core.invoke('temperature', 'log', { groupId, day: '2026-03-09', counts })
    expect(day).toMatchObject({ score: 46, source: 'manual' })
    expect(await refusal(() => s.core.invoke('temperature', 'log', { groupId, day: '2026-03-11', counts }))).toMatchObject({ code: 'invalid_input', details: { field: 'day' } })
    await s.signIn('trainer')
    expect(await refusal(() => s.core.invoke('temperature', 'log', { groupId, day: '2026-03-09', counts }))).toMatchObject({ code: 'forbidden' })
  })
})

describe('member events', () => {
  it('imports a log of shares and reports by invite code, all-or-nothing, and only once', async () => {
    const bad = csv('events.csv', ['会员,类型,时间,备注', 'AMEI01,晒单,2026-03-09 20:00,', 'NOBODY,分享,2026-03-09,', 'AMEI01,乱价,2026-03-12,未来的事'].join('\n'))
    const rejected = await s.core.invoke('care', 'importEvents', { path: bad })
    expect(rejected).toMatchObject({ committed: false, written: 0, errorCount: 2 })
    expect(rejected.errors.map((e) => [e.row, e.column, e.value])).toEqual([
      [3, '会员', 'NOBODY'],
      [4, '时间', '2026-03-12'],
    ])
    const good = csv('events-ok.csv', ['会员,类型,时间,备注', 'AMEI01,晒单,2026-03-09 20:00,买家实拍', 'AMEI01,分享,2026-03-09 08:00,'].join('\n'))
    expect(await s.core.invoke('care', 'importEvents', { path: good })).toMatchObject({ committed: true, written: 2 })
    expect(await s.core.invoke('care', 'importEvents', { path: good })).toMatchObject({ committed: true, written: 0 })
    const events = await s.core.invoke('care', 'events', { types: ['showcase', 'share'] })
    expect(events.rows.map((e) => [e.type, e.note, e.source])).toEqual([
      ['showcase', '买家实拍', 'import'],
      ['share', '', 'import'],
    ])
  })
})
