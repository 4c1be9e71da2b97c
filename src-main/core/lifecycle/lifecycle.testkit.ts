/**
 * A studio for the lifecycle tests: a real core on a temporary folder, a clock the test
 * moves, and the workstation's three kinds of people. Only tests import this.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCore, type OrchardCore } from '../api'
import { ROLE_LABELS, type Role } from '../../../src-shared/roles'
import type { Clock } from '../clock'
import { insertProfile } from './profiles'

export class TestClock implements Clock {
  private at: number
  constructor(iso: string) {
    this.at = Date.parse(iso)
  }
  now(): Date {
    return new Date(this.at)
  }
  set(iso: string): void {
    this.at = Date.parse(iso)
  }
  advance(ms: number): void {
    this.at += ms
  }
}

export const PINS = { manager: '8642', operator: '1357', trainer: '2468' }

export interface TestStudio {
  dir: string
  clock: TestClock
  core: OrchardCore
  profiles: { manager: string; operator: string; trainer: string }
  /** Signs in with the profile's PIN, as the console would. */
  signIn(role: 'manager' | 'operator' | 'trainer'): Promise<void>
  reopen(): Promise<OrchardCore>
  close(): Promise<void>
}

/**
 * An empty studio whose first profile is the manager 陈姐 (created without a PIN
 * prompt, as a new workstation does), then the operator 小周 and the trainer 林老师.
 */
export async function openTestStudio(start: string, firstStart: 'empty' | 'demo' = 'empty'): Promise<TestStudio> {
  const dir = mkdtempSync(join(tmpdir(), 'orchard-lifecycle-'))
  const clock = new TestClock(start)
  let core = createCore({ dataDir: dir, host: 'test', firstStart, clock })
  let profiles = { manager: '', operator: '', trainer: '' }
  if (firstStart === 'empty') {
    const manager = await core.invoke('profiles', 'create', { name: '陈姐', role: 'manager', pin: PINS.manager })
    const operator = await core.invoke('profiles', 'create', { name: '小周', role: 'operator', pin: PINS.operator, isDefault: true })
    const trainer = await core.invoke('profiles', 'create', { name: '林老师', role: 'trainer', pin: PINS.trainer })
    profiles = { manager: manager.id, operator: operator.id, trainer: trainer.id }
  } else {
    const list = await core.invoke('profiles', 'list')
    profiles = {
      manager: list.find((p) => p.role === 'manager')!.id,
      operator: list.find((p) => p.role === 'operator' && p.isDefault)!.id,
      trainer: list.find((p) => p.role === 'trainer')!.id,
    }
  }
  const studio: TestStudio = {
    dir,
    clock,
    get core() {
      return core
    },
    profiles,
    async signIn(role) {
      const pin = firstStart === 'demo' ? { manager: '8888', operator: '1111', trainer: '2222' }[role] : PINS[role]
      await core.invoke('profiles', 'switch', { profileId: profiles[role], pin })
    },
    async reopen() {
      await core.close()
      core = createCore({ dataDir: dir, host: 'test', firstStart, clock })
      return core
    },
    async close() {
      await core.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return studio
}

/**
 * Puts a profile of `role` at the keyboard straight away (creating it when the studio has
 * none of that name), for tests and benchmarks about what a role may do rather than about
 * signing in. The profile is real, so the core's session checks keep it.
 */
export function actAs(core: OrchardCore, role: Role, name: string = ROLE_LABELS[role].zh): void {
  const db = core.context.db
  const existing = db.prepare('SELECT id FROM profiles WHERE name = ?').get(name) as { id: string } | undefined
  // No PIN can match an empty hash: the profile is never signed into, only acted as.
  const id = existing?.id ?? insertProfile(db, { name, role, pin: { hash: '', salt: '', params: '{}' }, isDefault: false }, core.context.clock.now()).id
  core.context.session = { profileId: id, role, name }
}

/** Runs `fn` and returns the OrchardError it throws (the test fails when nothing is thrown). */
export async function refusal(fn: () => Promise<unknown>): Promise<{ code: string; message: string; details?: any }> {
  try {
    await fn()
  } catch (err) {
    return err as { code: string; message: string; details?: any }
  }
  throw new Error('expected the call to be refused')
}

/** Sets the shipped rule book aside, so a test sees only the rules it makes. */
export async function archiveShippedRules(core: OrchardCore): Promise<void> {
  for (const rule of await core.invoke('rules', 'list')) await core.invoke('rules', 'archive', { id: rule.id })
}

/** When the rule studio opens: 2026-03-01, 10:00 in the studio's time zone (Asia/Shanghai). */
const RULE_STUDIO_OPENS = '2026-03-01T02:00:00Z'

/** `d` days after the rule studio opened, at `hour` o'clock in the studio's time zone (Asia/Shanghai). */
export const ruleStudioDay = (d: number, hour = 12): string => new Date(Date.UTC(2026, 2, 1 + d, hour - 8)).toISOString()

/**
 * The studio of the rule and approval tests: a member who sells below the price floor
 * (乱价小王), the manager signed in, the shipped rule book set aside.
 */
export async function openRuleStudio(): Promise<{ studio: TestStudio; member: string }> {
  const studio = await openTestStudio(RULE_STUDIO_OPENS)
  const member = (await studio.core.invoke('members', 'create', { name: '乱价小王', joinDate: '2025-05-01' })).id
  await studio.signIn('manager')
  await archiveShippedRules(studio.core)
  return { studio, member }
}
