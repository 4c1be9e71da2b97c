import { describe, expect, it } from 'vitest'
import type { OrchardCore } from '../api'
import { actAs, refusal } from '../lifecycle/lifecycle.testkit'
import { changeRows, teamHarness } from './team.testkit'

/**
 * The studio's settings that belong to the team — time zone, currency, name, invite
 * link — between workstations and a real server process, over HTTP. Language, theme,
 * where updates come from and how backups are kept stay on each workstation.
 */
const team_ = teamHarness('settings')
const { workstation, sync, pair, joinTeam } = team_

const settingsOf = (core: OrchardCore) => core.invoke('settings', 'get')

describe('the studio’s settings shared through the team server', () => {
  it('the manager’s time zone, name, currency and invite link on A are B’s after a round; A’s language, theme, updates and backups never reach B', async () => {
    const [a, b] = await pair()
    actAs(a, 'manager', '陈姐')
    // The workstation's own settings alone leave nothing to send.
    await a.invoke('settings', 'update', { language: 'en-US', autoBackup: false })
    expect((await a.invoke('sync', 'status', {})).records).toEqual({ pending: 0, issues: 0 })
    await a.invoke('settings', 'update', {
      timezone: 'Europe/Berlin',
      studioName: '果园柏林店',
      currency: 'EUR',
      inviteBaseUrl: 'https://shop.example.de/i/',
      language: 'en-US',
      theme: 'dark',
      autoBackup: false,
      backupKeepDays: 3,
      updateFeedUrl: 'https://updates.example.de/orchard',
    })
    expect((await sync(a)).records).toMatchObject({ pushed: 4, refused: 0, pending: 0 })
    expect((await sync(b)).records).toMatchObject({ notApplied: 0 })

    expect(await settingsOf(b)).toEqual({
      timezone: 'Europe/Berlin',
      studioName: '果园柏林店',
      currency: 'EUR',
      inviteBaseUrl: 'https://shop.example.de/i/',
      // B's own, as they were.
      language: 'zh-CN',
      theme: 'light',
      autoBackup: true,
      backupKeepDays: 14,
      updateFeedUrl: '',
    })
    // B reads every day in the team's zone from now on.
    expect(b.context.timezone()).toBe('Europe/Berlin')
    // B took it as the team's: nothing of it to send back.
    expect((await sync(b)).records).toMatchObject({ pushed: 0 })

    // The change of the zone and currency is in A's audit chain with both values.
    const audit = await a.invoke('audit', 'list', { kinds: ['record.changed'], entityId: 'studio' })
    expect(audit.rows).toHaveLength(2)
    expect(audit.rows[0]).toMatchObject({
      actorName: '陈姐',
      entity: 'setting',
      before: expect.objectContaining({ timezone: 'Asia/Shanghai', currency: 'CNY', backupKeepDays: 14 }),
      after: expect.objectContaining({ timezone: 'Europe/Berlin', currency: 'EUR', backupKeepDays: 3 }),
    })
  })

  it('an operator may not change the time zone or currency: the core refuses and changes nothing; the studio name is theirs to change', async () => {
    const [a, b] = await pair()
    actAs(a, 'operator', '小周')
    const before = await settingsOf(a)
    const rows = changeRows(a)
    for (const patch of [{ timezone: 'Asia/Tokyo' }, { currency: 'JPY', studioName: '改名' }]) {
      const err = await refusal(() => a.invoke('settings', 'update', patch))
      expect(err).toMatchObject({ code: 'forbidden', details: { record: 'setting', field: Object.keys(patch)[0], role: 'operator' } })
      expect(err.message).toMatch(/Operator may not change a setting's/)
    }
    expect(await settingsOf(a)).toEqual(before)
    expect(changeRows(a)).toBe(rows)
    // A trainer may not point the invite links elsewhere either (who a new member's mentor is).
    actAs(a, 'trainer', '林老师')
    expect(await refusal(() => a.invoke('settings', 'update', { inviteBaseUrl: 'https://evil.example.cn/i/' }))).toMatchObject({ code: 'forbidden' })
    expect(await settingsOf(a)).toEqual(before)

    actAs(a, 'operator', '小周')
    await a.invoke('settings', 'update', { studioName: '果园二店' })
    await sync(a)
    await sync(b)
    expect(await settingsOf(b)).toMatchObject({ studioName: '果园二店', timezone: 'Asia/Shanghai' })
  })

  it('the server refuses a time zone change from a device enrolled for operators, with the reason; nothing of it reaches the team, and the workstation takes the team’s value back', async () => {
    const [a, op, team] = await pair({ names: ['店长', '前台'], roleOfB: 'operator' })
    await a.invoke('settings', 'update', { timezone: 'Asia/Tokyo' })
    await sync(a)
    await sync(op)
    expect(await settingsOf(op)).toMatchObject({ timezone: 'Asia/Tokyo' })

    // On the command line the core writes any field; the server decides what an operator's device may change.
    await op.invoke('settings', 'update', { timezone: 'America/New_York', studioName: '纽约店' })
    const round = await sync(op)
    expect(round.records).toMatchObject({ refused: 1, pending: 0 })
    expect(await op.invoke('sync', 'recordIssues', {})).toEqual([
      {
        kind: 'refused',
        record: 'setting',
        recordId: 'studio',
        field: 'timezone',
        op: 'update',
        code: 'forbidden',
        reason: expect.stringMatching(/Operator may not change a setting's timezone/),
        at: expect.any(String),
      },
    ])
    expect(await settingsOf(op)).toMatchObject({ timezone: 'Asia/Tokyo', studioName: '纽约店' })
    await sync(a)
    expect(await settingsOf(a)).toMatchObject({ timezone: 'Asia/Tokyo', studioName: '纽约店' })
    // A new workstation's snapshot holds the team's book: the refused zone is in none of it.
    const c = await joinTeam(team)
    expect((await sync(c)).records).toMatchObject({ notApplied: 0 })
    expect(await settingsOf(c)).toMatchObject({ timezone: 'Asia/Tokyo', studioName: '纽约店' })
  })

  it('the server refuses a setting the studio cannot use, alone and with the reason: a time zone no one knows', async () => {
    const [a, b] = await pair()
    await a.invoke('settings', 'update', { timezone: 'Asia/Tokyo' })
    await sync(a)
    await sync(b)
    // As an older version or a hand edit could have left it (A itself reads it as Beijing time).
    a.context.db.prepare(`UPDATE settings SET value = '"Mars/Olympus"' WHERE key = 'timezone'`).run()
    a.context.db
      .prepare(
        `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_role, workstation, source, base_seq)
         VALUES ('hand', 'setting', 'studio', 'update', 'timezone', '2026-01-01T00:00:00Z', 'manager', 'x', 'console', 0)`,
      )
      .run()
    await a.invoke('settings', 'update', { studioName: '火星店' })
    const round = await sync(a)
    expect(round.records).toMatchObject({ refused: 1, pending: 0 })
    expect(await a.invoke('sync', 'recordIssues', {})).toEqual([expect.objectContaining({ field: 'timezone', code: 'invalid_value', reason: expect.stringMatching(/timezone/) })])
    await sync(b)
    expect(await settingsOf(b)).toMatchObject({ timezone: 'Asia/Tokyo', studioName: '火星店' })
  })

  it('a new workstation’s snapshot brings the team’s settings; a name changed on two workstations offline is a conflict one click restores everywhere', async () => {
    const [a, b, team] = await pair()
    actAs(a, 'manager', '陈姐')
    actAs(b, 'operator', '小周')
    await a.invoke('settings', 'update', { timezone: 'Asia/Hong_Kong', studioName: '果园' })
    await sync(a)
    await sync(b)

    const c = await joinTeam(team)
    const round = await sync(c)
    expect(round.records).toMatchObject({ notApplied: 0 })
    expect(await settingsOf(c)).toMatchObject({ timezone: 'Asia/Hong_Kong', studioName: '果园' })

    await a.invoke('settings', 'update', { studioName: '果园 A' })
    await b.invoke('settings', 'update', { studioName: '果园 B' })
    await sync(a)
    expect((await sync(b)).records).toMatchObject({ conflicts: 1 })
    await sync(a)
    for (const ws of [a, b]) expect(await settingsOf(ws)).toMatchObject({ studioName: '果园 B' })
    const [conflict] = await a.invoke('records', 'conflicts', { status: 'open' })
    expect(conflict).toMatchObject({
      record: 'setting',
      recordId: 'studio',
      field: 'studioName',
      recordName: '果园 B',
      earlier: { value: '果园 A', actor: '陈姐', deviceName: 'A' },
      later: { value: '果园 B', actor: '小周', deviceName: 'B' },
    })
    await a.invoke('records', 'restoreConflict', { id: conflict.id })
    await sync(a)
    await sync(b)
    await sync(c)
    for (const ws of [a, b, c]) expect(await settingsOf(ws)).toMatchObject({ studioName: '果园 A', timezone: 'Asia/Hong_Kong' })
  })

  it('settings a studio chose before it shared them are sent the first time it syncs, once', async () => {
    // A studio as the version before shared settings left it: its own time zone and name, its language.
    const { dir, db: old } = team_.olderStudio(24)
    const put = old.prepare('INSERT INTO settings (key, value) VALUES (?, ?)')
    put.run('timezone', JSON.stringify('Asia/Singapore'))
    put.run('studioName', JSON.stringify('老店'))
    put.run('language', JSON.stringify('en-US'))
    old.close()

    const [a, b] = await pair({ a: workstation(dir) })
    expect((await sync(a)).records).toMatchObject({ pushed: 2, refused: 0 })
    await sync(b)
    expect(await settingsOf(b)).toMatchObject({ timezone: 'Asia/Singapore', studioName: '老店', language: 'zh-CN' })
    expect((await sync(a)).records).toMatchObject({ pushed: 0 })
  })
})
