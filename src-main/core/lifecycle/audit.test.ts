import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { pdfText } from './pdf/pdfText.testkit'
import { openTestStudio, refusal, type TestStudio } from './lifecycle.testkit'

let s: TestStudio

beforeEach(async () => {
  s = await openTestStudio('2026-03-01T02:00:00Z')
  await s.signIn('manager')
  const rule = await s.core.invoke('rules', 'create', { name: '乱价警告', eventType: 'price_below_floor', threshold: 1, windowDays: 30, action: { kind: 'warning' } })
  await s.core.invoke('rules', 'update', { id: rule.id, patch: { windowDays: 14 } })
})
afterEach(async () => {
  await s.close()
})

describe('the audit log', () => {
  it('refuses UPDATE and DELETE: it is append-only', () => {
    const db = s.core.context.db
    expect(() => db.prepare("UPDATE audit_log SET summary = 'x' WHERE seq = 1").run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/)
  })

  it('is intact as written, and finds a record edited behind the triggers’ back', async () => {
    const before = await s.core.invoke('audit', 'verify')
    expect(before).toMatchObject({ intact: true, firstBroken: null })
    const db = s.core.context.db
    const target = db.prepare("SELECT seq, id, hash FROM audit_log WHERE kind = 'rule.updated'").get() as { seq: number; id: string; hash: string }
    db.exec('DROP TRIGGER audit_log_no_update')
    db.prepare("UPDATE audit_log SET after_json = replace(after_json, '\"windowDays\":14', '\"windowDays\":7') WHERE seq = ?").run(target.seq)

    const after = await s.core.invoke('audit', 'verify')
    expect(after.intact).toBe(false)
    expect(after.firstBroken).toMatchObject({ id: target.id, seq: target.seq, reason: 'hash_mismatch', expected: target.hash })
    expect(after.firstBroken!.actual).toMatch(/^[0-9a-f]{64}$/)
    expect(after.firstBroken!.actual).not.toBe(target.hash)
  })

  it('finds a record removed from the middle and records cut off the end', async () => {
    const db = s.core.context.db
    const total = (db.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n
    db.exec('DROP TRIGGER audit_log_no_delete')
    db.prepare('DELETE FROM audit_log WHERE seq = ?').run(total)
    expect((await s.core.invoke('audit', 'verify')).firstBroken).toMatchObject({ reason: 'head_mismatch' })
    db.prepare('DELETE FROM audit_log WHERE seq = 2').run()
    expect((await s.core.invoke('audit', 'verify')).firstBroken).toMatchObject({ seq: 3, reason: 'sequence_gap', expected: '2', actual: '3' })
  })

  it('is readable by managers only', async () => {
    await s.signIn('operator')
    expect(await refusal(() => s.core.invoke('audit', 'list', {}))).toMatchObject({ code: 'forbidden', details: { method: 'audit.list' } })
  })

  it('exports a period as CSV (UTF-8 with BOM) and as a PDF table', async () => {
    const csv = await s.core.invoke('audit', 'export', { from: '2026-03-01', to: '2026-03-01', format: 'csv', path: join(s.dir, 'audit.csv') })
    const text = readFileSync(csv.path, 'utf8')
    expect(text.startsWith('\uFEFF序号 Seq,时间 Time,操作人 Actor')).toBe(true)
    expect(csv.rows).toBeGreaterThanOrEqual(6)
    expect(text).toContain('修改规则「乱价警告」')
    expect(text).toContain('"{""action"":{""amountFen"":0')

    const pdf = await s.core.invoke('audit', 'export', { from: '2026-03-01', to: '2026-03-01', format: 'pdf', path: join(s.dir, 'audit.pdf') })
    const pages = await pdfText(readFileSync(pdf.path))
    const all = pages.join('\n')
    expect(all).toContain('审计日志')
    expect(all).toContain('哈希链完整')
    expect(all).toContain('修改规则「乱价警告」')
    // What happened in words: the field's name, the days as days, the action as the rules screen says it — no JSON.
    expect(all).toContain('统计天数：30 天 → 14 天')
    expect(all).toMatch(/处理：警告/)
    expect(all).not.toMatch(/windowDays|amountFen|\{/)
    // The summary in Chinese only.
    expect(all).not.toMatch(/changed rule|signed in/)

    const none = await s.core.invoke('audit', 'export', { from: '2026-02-01', to: '2026-02-02', format: 'csv', path: join(s.dir, 'empty.csv') })
    expect(none.rows).toBe(0)
  })
})
