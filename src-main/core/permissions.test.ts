import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore } from './api'
import { listBackups } from './backups/backups'
import { openTestStudio, refusal, type TestStudio } from './lifecycle/lifecycle.testkit'

let s: TestStudio

beforeEach(async () => {
  s = await openTestStudio('2026-03-01T02:00:00Z')
  await s.core.invoke('customers', 'create', { name: '王芳', phones: ['13800138000'] })
  await s.core.invoke('members', 'create', { name: '小王', inviteCode: 'WANG01' })
})
afterEach(async () => {
  await s.close()
})

/** What a refused call must leave exactly as it was. */
async function state() {
  const db = s.core.context.db
  return {
    counts: db.prepare('SELECT (SELECT COUNT(*) FROM customers) AS customers, (SELECT COUNT(*) FROM members) AS members, (SELECT COUNT(*) FROM profiles) AS profiles').get(),
    settings: await s.core.invoke('settings', 'get'),
    backups: listBackups(s.core.paths).map((b) => b.fileName),
    files: readdirSync(s.core.paths.dataDir).sort(),
  }
}

describe('the permission table in the core', () => {
  it('refuses trainers and operators what would replace or empty the studio, before anything is touched', async () => {
    const backup = await s.core.invoke('backups', 'create', {})
    for (const role of ['trainer', 'operator'] as const) {
      await s.signIn(role)
      const before = await state()
      for (const [method, input] of [
        ['demo.clear', {}],
        ['demo.seed', { seed: 7 }],
        ['backups.restore', { fileName: backup.fileName }],
      ] as const) {
        expect(await refusal(() => s.core.call(method, input)), `${role} ${method}`).toMatchObject({
          code: 'forbidden',
          details: { method, role, needs: ['manager'] },
        })
      }
      expect(await state()).toEqual(before)
    }
    await s.signIn('manager')
    await s.core.invoke('demo', 'clear', {})
    expect((await s.core.invoke('dashboard', 'summary')).counts.customers).toBe(0)
  })

  it('keeps where updates come from and whether backups run to managers; anyone may change the rest', async () => {
    await s.signIn('trainer')
    const before = await state()
    for (const patch of [{ updateFeedUrl: 'https://evil.example/feed' }, { autoBackup: false }, { backupKeepDays: 1 }, { studioName: '林老师的', autoBackup: false }]) {
      const field = Object.keys(patch).find((k) => k !== 'studioName')
      expect(await refusal(() => s.core.invoke('settings', 'update', patch)), JSON.stringify(patch)).toMatchObject({
        code: 'forbidden',
        details: { method: 'settings.update', role: 'trainer', field, permission: 'settings.protect' },
      })
    }
    expect(await state()).toEqual(before)
    // Sending a protected field back unchanged (a form that sends everything) is fine.
    expect(await s.core.invoke('settings', 'update', { ...before.settings, language: 'en-US' })).toMatchObject({ language: 'en-US', autoBackup: true })

    await s.signIn('manager')
    expect(await s.core.invoke('settings', 'update', { updateFeedUrl: 'https://updates.example.cn/orchard', autoBackup: false })).toMatchObject({
      updateFeedUrl: 'https://updates.example.cn/orchard',
      autoBackup: false,
    })
  })

  it('takes only an https update feed, saying which value is wrong', async () => {
    await s.signIn('manager')
    for (const url of ['http://evil.example/feed', 'ftp://example.cn/feed', 'updates.example.cn', 'https://user:pw@example.cn/feed']) {
      const err = await refusal(() => s.core.invoke('settings', 'update', { updateFeedUrl: url }))
      expect(err, url).toMatchObject({ code: 'invalid_input', details: { issues: [{ path: 'updateFeedUrl' }] } })
      expect(err.message).toContain(url)
    }
    expect((await s.core.invoke('settings', 'get')).updateFeedUrl).toBe('')
    expect(await s.core.invoke('settings', 'update', { updateFeedUrl: '' })).toMatchObject({ updateFeedUrl: '' })
  })

  it('lets whoever sets a workstation up, the command line included, create its first profile: a manager', async () => {
    const cli = createCore({ dataDir: join(s.dir, 'new-workstation'), host: 'cli', firstStart: 'empty' })
    try {
      expect(await refusal(() => cli.invoke('profiles', 'create', { name: '小周', role: 'operator', pin: '1111' }))).toMatchObject({ code: 'first_profile_manager' })
      expect(await cli.invoke('profiles', 'create', { name: '陈姐', role: 'manager', pin: '8888' })).toMatchObject({ role: 'manager' })
    } finally {
      await cli.close()
    }
  })

  it('checks who may call before it looks at the input', async () => {
    await s.signIn('trainer')
    expect(await refusal(() => s.core.invoke('approvals', 'approve', 'not even an object' as never))).toMatchObject({ code: 'forbidden', details: { method: 'approvals.approve' } })
    expect(await refusal(() => s.core.invoke('customers', 'create', 'not even an object' as never))).toMatchObject({ code: 'invalid_input' })
  })
})
