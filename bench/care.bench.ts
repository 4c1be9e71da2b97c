import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fixedClock } from '../src-main/core/clock'
import { openDatabase, type Db } from '../src-main/core/db/connection'
import { SYSTEM_ACTOR } from '../src-main/core/audit/audit'
import { planCare } from '../src-main/core/lifecycle/planner'
import { hashPinSync, insertProfile } from '../src-main/core/lifecycle/profiles'
import { evaluateRules } from '../src-main/core/lifecycle/rules'
import { installDefaults } from '../src-main/core/lifecycle/studio'
import { writeLifecycleSetting } from '../src-main/core/db/lifecycleSettings'
import { temperatureScore } from '../src-shared/lifecycle/temperature'

/**
 * Care planning and rule evaluation for a team of 10,000 members with a year of
 * activity (about a million member events and 200,000 orders), and the care
 * calendar's query for one day.
 *
 *  - planning + evaluation: the first full round on the studio (every trigger found,
 *    every task and proposal written, each proposal appended to the audit chain), on a
 *    fresh copy of the database each run; goal: under 2 s (the peer is that budget);
 *  - the calendar: `care.calendar` through the core (input validation included) for
 *    one day, 300 times with the filters the console uses; goal: p95 ≤ 25 ms.
 *
 *   npm run bench -- care
 */
const MEMBERS = 10_000
const GROUPS = 400
const ORDERS = 200_000
const RUNS = 3
const NOW = new Date('2026-11-23T06:30:00Z')
const TZ = 'Asia/Shanghai'
const DAY = 86_400_000
const work = join(import.meta.dirname, '.work', 'care')
mkdirSync(work, { recursive: true })
const template = join(work, `studio-${MEMBERS}.db`)

function id(n: number, kind: string): string {
  const hex = n.toString(16).padStart(12, '0')
  return `0190${kind}000-0000-7000-8000-${hex}`
}

function buildStudio(): void {
  const dir = join(work, 'build')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const db = openDatabase(join(dir, 'orchard.db'))
  installDefaults(db, NOW, TZ)
  let seed = 20261123
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647
  const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1))
  const iso = (ms: number) => new Date(ms).toISOString()
  const now = NOW.getTime()
  const dayOf = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10)
  db.transaction(() => {
    const profiles: [string, 'operator' | 'trainer' | 'manager', string][] = [
      ['小周', 'operator', '1111'],
      ['小吴', 'operator', '3333'],
      ['阿杰', 'operator', '4444'],
      ['林老师', 'trainer', '2222'],
      ['陈姐', 'manager', '8888'],
    ]
    profiles.forEach(([name, role, pin], i) => insertProfile(db, { id: id(i, 'p'), name, role, pin: hashPinSync(pin), isDefault: i === 0 }, new Date(now - 400 * DAY)))
    // Members over two years, joins accelerating; a mentor tree.
    const members: { joinMs: number; status: string; zeal: number; stopMs: number | null; mentor: number }[] = []
    const insertMember = db.prepare(
      `INSERT INTO members (id, name, invite_code, mentor_id, level, join_date, status, fee_paid_fen, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, 0, ?, ?)`,
    )
    for (let i = 0; i < MEMBERS; i++) {
      const joinMs = now - Math.floor((2 + 728 * Math.pow(rnd(), 1.6)) * DAY) - int(0, 36_000) * 1000
      members.push({ joinMs, status: '', zeal: rnd(), stopMs: null, mentor: -1 })
    }
    members.sort((a, b) => a.joinMs - b.joinMs)
    members.forEach((m, i) => {
      m.mentor = i > 20 ? int(0, i - 1) : -1
      m.status = rnd() < 0.9 ? 'active' : rnd() < 0.6 ? 'paused' : 'left'
      if (m.status !== 'active' || rnd() < 0.15) m.stopMs = now - int(5, 200) * DAY
      insertMember.run(id(i, 'm'), `会员${i}`, `C${i.toString(36).toUpperCase().padStart(6, '0')}`, m.mentor >= 0 ? id(m.mentor, 'm') : null, dayOf(m.joinMs), m.status, iso(m.joinMs), iso(m.joinMs))
    })
    const insertGroup = db.prepare('INSERT INTO groups (id, name, owner_member_id, theme, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    for (let g = 0; g < GROUPS; g++) insertGroup.run(id(g, 'g'), `社群 ${g + 1}`, id(int(0, 2000), 'm'), '', '', iso(now - 700 * DAY), iso(now - 700 * DAY))
    const insertGm = db.prepare('INSERT OR IGNORE INTO group_members (group_id, member_id, joined_at) VALUES (?, ?, ?)')
    members.forEach((m, i) => {
      if (rnd() < 0.05) return
      insertGm.run(id(int(0, GROUPS - 1), 'g'), id(i, 'm'), iso(m.joinMs + int(1, 90) * 60_000))
      if (rnd() < 0.4) insertGm.run(id(int(0, GROUPS - 1), 'g'), id(i, 'm'), iso(m.joinMs + int(1, 30) * DAY))
    })
    // A year of orders, attributed to members who had joined.
    const insertOrder = db.prepare(
      `INSERT INTO orders (id, order_no, source, status, placed_at, member_id, total_fen, created_at, updated_at) VALUES (?, ?, 'demo', ?, ?, ?, ?, ?, ?)`,
    )
    for (let o = 0; o < ORDERS; o++) {
      const at = now - Math.floor(rnd() * 365 * DAY)
      // Keen members sell most (a few carry the team's sales); nobody sells before joining or after stopping.
      let k = int(0, MEMBERS - 1)
      for (let tries = 0; tries < 12 && (members[k].joinMs > at || (members[k].stopMs ?? Infinity) < at || rnd() > members[k].zeal * members[k].zeal); tries++) k = int(0, MEMBERS - 1)
      insertOrder.run(id(o, 'o'), `B${o}`, rnd() < 0.93 ? 'paid' : 'refunded', iso(at), id(k, 'm'), int(2000, 40000), iso(at), iso(at))
    }
    // A year of shares, 晒单, training and the conduct the rules count.
    const insertEvent = db.prepare('INSERT INTO member_events (id, member_id, type, occurred_at, note, source, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)')
    let e = 0
    const conduct = ['price_below_floor', 'other_platform_goods', 'apprentices_outside_group', 'experience_shared', 'offline_promotion', 'deceptive_recruiting']
    members.forEach((m, i) => {
      const from = Math.max(m.joinMs, now - 365 * DAY)
      const to = Math.min(now - 60_000, m.stopMs ?? now)
      const rate = 0.05 + m.zeal * 0.45
      for (let d = from; d < to; d += DAY) {
        if (rnd() < rate) insertEvent.run(id(e++, 'e'), id(i, 'm'), 'share', iso(d + int(0, 86_000) * 1000 > to ? d : d + int(0, 40_000) * 1000), '', 'import', iso(d))
        if (rnd() < rate * 0.08) insertEvent.run(id(e++, 'e'), id(i, 'm'), 'showcase', iso(d), '', 'import', iso(d))
        if (rnd() < 0.02) insertEvent.run(id(e++, 'e'), id(i, 'm'), 'training', iso(d), '', 'import', iso(d))
        if (rnd() < 0.0012) insertEvent.run(id(e++, 'e'), id(i, 'm'), conduct[int(0, conduct.length - 1)], iso(d), '', 'manual', iso(d))
      }
      if (m.mentor >= 0 && m.joinMs > now - 365 * DAY) insertEvent.run(id(e++, 'e'), id(m.mentor, 'm'), 'member_recruited', iso(m.joinMs), '', 'manual', iso(m.joinMs))
    })
    // 60 days of rituals per group.
    const insertRitual = db.prepare(
      `INSERT INTO group_rituals (group_id, day, morning, night, training, goal, red_envelope, showcase, replies, score, source, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'import', ?, NULL)`,
    )
    for (let g = 0; g < GROUPS; g++) {
      const warmth = 0.3 + rnd() * 0.7
      for (let back = 60; back >= 1; back--) {
        const c = { morning: rnd() < warmth ? 1 : 0, night: rnd() < warmth ? 1 : 0, training: rnd() < warmth * 0.2 ? 1 : 0, goal: rnd() < warmth * 0.15 ? 1 : 0, red_envelope: int(0, 2), showcase: int(0, 5), replies: int(0, Math.round(200 * warmth)) }
        insertRitual.run(id(g, 'g'), dayOf(now - back * DAY), c.morning, c.night, c.training, c.goal, c.red_envelope, c.showcase, c.replies, temperatureScore(c), iso(now))
      }
    }
    // The shipped rules apply to the whole year.
    db.prepare("UPDATE rules SET effective_from = '2025-11-01'").run()
    writeLifecycleSetting(db, 'defaults_installed', true)
    console.log(`studio: ${MEMBERS} members, ${ORDERS} orders, ${e} member events, ${GROUPS} groups × 60 days of rituals`)
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  copyFileSync(join(dir, 'orchard.db'), template)
  rmSync(dir, { recursive: true, force: true })
}

if (!existsSync(template)) {
  const t = performance.now()
  buildStudio()
  console.log(`built the benchmark studio in ${((performance.now() - t) / 1000).toFixed(1)} s (${template})`)
}

function freshCopy(name: string): { dir: string; db: Db } {
  const dir = join(work, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  copyFileSync(template, join(dir, 'orchard.db'))
  return { dir, db: openDatabase(join(dir, 'orchard.db')) }
}

const times: number[] = []
// CPU time beside wall time: on a shared machine the wall clock also measures the neighbours.
const cpuTimes: number[] = []
let tasks = 0
let proposals = 0
for (let r = 0; r < RUNS; r++) {
  const { db } = freshCopy(`run-${r}`)
  // Warm the page cache the way a running console has it: planning is measured, not the disk.
  db.prepare('SELECT COUNT(*) FROM member_events').get()
  db.prepare('SELECT COUNT(*) FROM orders').get()
  const t = performance.now()
  const cpu = process.cpuUsage()
  const plan = planCare(db, TZ, NOW)
  const evaluation = evaluateRules(db, TZ, NOW, SYSTEM_ACTOR)
  const s = (performance.now() - t) / 1000
  const used = process.cpuUsage(cpu)
  cpuTimes.push((used.user + used.system) / 1e6)
  times.push(s)
  tasks = plan.created
  proposals = evaluation.proposed
  console.log(`  run ${r + 1}: ${s.toFixed(3)} s (cpu ${cpuTimes[r].toFixed(3)} s) — planning ${(plan.durationMs / 1000).toFixed(3)} s (${plan.created} tasks from ${Object.values(plan.occurrences).reduce((a, b) => a + b, 0)} trigger occurrences), rules ${(evaluation.durationMs / 1000).toFixed(3)} s (${evaluation.proposed} proposals from ${evaluation.eventsScanned} events)`)
  const again = performance.now()
  const second = planCare(db, TZ, NOW).created + evaluateRules(db, TZ, NOW, SYSTEM_ACTOR).proposed
  if (second !== 0) throw new Error(`a second round created ${second} tasks or proposals: planning is not idempotent`)
  if (r === 0) console.log(`  the next hourly round (nothing new): ${((performance.now() - again) / 1000).toFixed(3)} s`)
  db.close()
}
const orchard = Math.min(...times)

// The calendar for one day, through the core, with the filters the console sends.
const { dir } = freshCopy('calendar')
// Loaded here so that building and planning need nothing but the lifecycle area and the database.
const { createCore } = await import('../src-main/core/api')
const core = createCore({ dataDir: dir, host: 'test', clock: fixedClock(NOW.toISOString()) })
const owners = (core.context.db.prepare("SELECT DISTINCT owner_id AS id FROM care_tasks WHERE due_day = '2026-11-23' AND owner_id IS NOT NULL LIMIT 50").all() as { id: string }[]).map((o) => o.id)
const queries: Record<string, unknown>[] = [
  {},
  { status: ['open'] },
  { includeOverdue: false },
  { date: '2026-11-24' },
  { ownerKind: 'operator' },
  ...owners.slice(0, 10).map((ownerId) => ({ ownerId })),
]
const latencies: number[] = []
let rows = 0
for (let i = 0; i < 330; i++) {
  const q = queries[i % queries.length]
  const t = performance.now()
  const cal = (await core.invoke('care', 'calendar', q)) as { rows: unknown[]; total: number }
  const ms = performance.now() - t
  if (i >= 30) latencies.push(ms)
  if (i === 0) rows = cal.total
}
await core.close()
rmSync(join(work, 'calendar'), { recursive: true, force: true })
for (let r = 0; r < RUNS; r++) rmSync(join(work, `run-${r}`), { recursive: true, force: true })
latencies.sort((a, b) => a - b)
const p95 = latencies[Math.floor(latencies.length * 0.95)]
const p50 = latencies[Math.floor(latencies.length * 0.5)]

const budget = 2
const ratio = Number((orchard / budget).toFixed(3))
console.log(`care planning + rule evaluation, ${MEMBERS} members, a year of events: ${orchard.toFixed(3)} s (best of ${RUNS}, cpu ${Math.min(...cpuTimes).toFixed(3)} s; ${tasks} tasks, ${proposals} proposals) — budget ${budget} s`)
console.log(`care calendar for one day (${rows} tasks, ${latencies.length} queries): p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms — goal ≤ 25 ms`)
console.log(
  JSON.stringify({
    bench: 'care',
    unit: 's',
    orchard: Number(orchard.toFixed(3)),
    peer: budget,
    ratio,
    // The ratio to the 2 s budget must stay below 1 (and the calendar's p95 within 25 ms).
    goal: 1,
    met: ratio < 1 && p95 <= 25,
    calendarP95Ms: Number(p95.toFixed(2)),
    calendarGoalMs: 25,
  }),
)
