import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../../../src-main/cli/main'
import { createCore } from '../../../src-main/core/api'

let dir: string
let data: string

/** Runs `orchard …` in-process and returns its exit status and what it printed. */
async function orchard(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString()
    return true
  })
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += chunk.toString()
    return true
  })
  try {
    const code = await runCli(['node', 'orchard', ...args, '--data-dir', data])
    return { code, out, err }
  } finally {
    stdout.mockRestore()
    stderr.mockRestore()
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-lifecycle-'))
  data = join(dir, 'data')
  // The demo studio, seeded on today's clock like the CLI's own.
  await createCore({ dataDir: data, host: 'test', firstStart: 'demo' }).close()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('orchard care | rules | audit | kits', () => {
  it('lists the day’s care tasks per owner, as a table or as JSON, for one owner when asked', async () => {
    const json = await orchard('care', 'today', '--json')
    expect(json.code).toBe(0)
    const calendar = JSON.parse(json.out)
    expect(calendar.rows.length).toBeGreaterThan(0)
    expect(calendar.counts.total).toBe(calendar.total)
    expect(calendar.rows.filter((r: { overdue: boolean }) => r.overdue).length).toBe(calendar.counts.overdue)

    const human = await orchard('care', 'today')
    expect(human.out).toContain(`${calendar.date} 关怀任务：共 ${calendar.counts.total} 项`)
    expect(human.out).toMatch(/■ 培训师 林老师 — \d+ 项/)

    const mine = JSON.parse((await orchard('care', 'today', '--owner', '林老师', '--json')).out)
    expect(mine.rows.length).toBeGreaterThan(0)
    expect(mine.rows.every((r: { ownerName: string }) => r.ownerName === '林老师')).toBe(true)

    const tomorrow = new Date(Date.parse(`${calendar.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
    expect(JSON.parse((await orchard('care', 'today', '--date', tomorrow, '--json')).out).date).toBe(tomorrow)
    const bad = await orchard('care', 'today', '--date', '23/11/2026')
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('YYYY-MM-DD')
    expect((await orchard('care', 'today', '--owner', '没有这个人')).code).toBe(2)
  })

  it('evaluates the rules as the system; running it twice proposes nothing new', async () => {
    const first = await orchard('rules', 'evaluate', '--json')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.out)).toMatchObject({ rulesEvaluated: 8 })
    const second = await orchard('rules', 'evaluate', '--json')
    expect(JSON.parse(second.out)).toMatchObject({ proposed: 0, actions: [] })
    expect((await orchard('rules', 'evaluate')).out).toContain('新提议 0 项')
  })

  it('never approves anything: the system actor is refused by the core', async () => {
    const core = createCore({ dataDir: data, host: 'cli' })
    try {
      const waiting = await core.invoke('approvals', 'list', { status: ['proposed'] })
      expect(waiting.total).toBeGreaterThan(0)
      await expect(core.invoke('approvals', 'approve', { ids: [waiting.rows[0].id], reason: 'cron' })).rejects.toMatchObject({
        code: 'forbidden',
        details: { method: 'approvals.approve', role: 'system', needs: ['manager'] },
      })
    } finally {
      await core.close()
    }
  })

  it('verifies the audit chain: exit 0 when intact, 1 with the first broken record', async () => {
    const ok = await orchard('audit', 'verify')
    expect(ok.code).toBe(0)
    expect(ok.out).toContain('审计日志完整')

    const core = createCore({ dataDir: data, host: 'cli' })
    const victim = core.context.db.prepare("SELECT seq, id FROM audit_log WHERE kind = 'action.approved' ORDER BY seq LIMIT 1").get() as { seq: number; id: string }
    core.context.db.exec('DROP TRIGGER audit_log_no_update')
    core.context.db.prepare("UPDATE audit_log SET actor_name = '某人' WHERE seq = ?").run(victim.seq)
    await core.close()

    const broken = await orchard('audit', 'verify', '--json')
    expect(broken.code).toBe(1)
    expect(JSON.parse(broken.out)).toMatchObject({ intact: false, firstBroken: { seq: victim.seq, id: victim.id, reason: 'hash_mismatch' } })
    const told = await orchard('audit', 'verify')
    expect(told.code).toBe(1)
    expect(told.out).toContain(`#${victim.seq}`)
  })

  it('generates kits for members given by id or invite code', async () => {
    const core = createCore({ dataDir: data, host: 'cli' })
    const [a, b] = core.context.db.prepare("SELECT id, invite_code AS code FROM members WHERE status = 'active' ORDER BY join_date DESC LIMIT 2").all() as { id: string; code: string }[]
    await core.close()
    const out = join(dir, 'kits')
    const r = await orchard('kits', 'generate', '--members', `${a.id},${b.code}`, '--out', out, '--no-posters', '--json')
    expect(r.code).toBe(0)
    const result = JSON.parse(r.out)
    expect(result.kits.map((k: { memberId: string }) => k.memberId)).toEqual([a.id, b.id])
    for (const kit of result.kits) {
      expect(existsSync(kit.zipPath)).toBe(true)
      expect(kit.pages).toBeGreaterThan(5)
    }
    const missing = await orchard('kits', 'generate', '--members', 'NOPE42', '--out', out)
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('NOPE42')
  })
})
