import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { maskAddress, maskPhone } from '../permissions'
import { openTestStudio, PINS, refusal, type TestStudio } from './lifecycle.testkit'

let s: TestStudio

beforeEach(async () => {
  s = await openTestStudio('2026-03-01T02:00:00Z')
})
afterEach(async () => {
  await s.close()
})

describe('profiles and PINs', () => {
  it('starts on the default operator profile, the least privileged, and again after a restart', async () => {
    await s.signIn('manager')
    await s.reopen()
    expect(await s.core.invoke('profiles', 'session')).toMatchObject({ name: '小周', role: 'operator', seesContacts: true, setupNeeded: false })
    const session = await s.core.invoke('profiles', 'session')
    expect(session.permissions).toContain('care.work')
    expect(session.permissions).not.toContain('actions.decide')
  })

  it('stores PINs as slow salted hashes, never the PIN itself', () => {
    const rows = s.core.context.db.prepare('SELECT pin_hash, pin_salt, pin_params FROM profiles').all() as { pin_hash: string; pin_salt: string; pin_params: string }[]
    expect(rows).toHaveLength(3)
    for (const r of rows) {
      expect(Object.values(PINS).some((pin) => r.pin_hash.includes(pin))).toBe(false)
      expect(JSON.parse(r.pin_params).N).toBeGreaterThanOrEqual(2 ** 15)
      expect(Buffer.from(r.pin_salt, 'base64')).toHaveLength(16)
    }
    expect(new Set(rows.map((r) => r.pin_salt)).size).toBe(3)
  })

  it('locks a profile for 5 minutes after 5 wrong PINs, across a restart', async () => {
    const manager = s.profiles.manager
    for (let i = 1; i <= 4; i++) {
      expect(await refusal(() => s.core.invoke('profiles', 'switch', { profileId: manager, pin: '0000' }))).toMatchObject({ code: 'pin_wrong', details: { attemptsLeft: 5 - i } })
    }
    const locked = await refusal(() => s.core.invoke('profiles', 'switch', { profileId: manager, pin: '0000' }))
    expect(locked).toMatchObject({ code: 'profile_locked', details: { lockedUntil: '2026-03-01T02:05:00.000Z' } })
    // The right PIN does not help while locked, and a restart does not unlock it.
    await s.reopen()
    expect(await refusal(() => s.core.invoke('profiles', 'switch', { profileId: manager, pin: PINS.manager }))).toMatchObject({ code: 'profile_locked' })
    expect((await s.core.invoke('profiles', 'session')).role).toBe('operator')
    s.clock.advance(5 * 60_000 + 1000)
    expect(await s.core.invoke('profiles', 'switch', { profileId: manager, pin: PINS.manager })).toMatchObject({ role: 'manager', name: '陈姐' })
    const audit = await s.core.invoke('audit', 'list', { kinds: ['profile.locked', 'profile.signed_in'] })
    expect(audit.rows.map((r) => r.kind)).toEqual(['profile.signed_in', 'profile.locked'])
  })

  it('lets only managers manage profiles, and never removes the last manager', async () => {
    await s.signIn('trainer')
    expect(await refusal(() => s.core.invoke('profiles', 'create', { name: '新运营', role: 'operator', pin: '4321' }))).toMatchObject({
      code: 'forbidden',
      details: { method: 'profiles.create', role: 'trainer', needs: ['manager'] },
    })
    await s.signIn('manager')
    expect(await refusal(() => s.core.invoke('profiles', 'update', { id: s.profiles.manager, patch: { role: 'operator' } }))).toMatchObject({ code: 'last_manager' })
    await s.core.invoke('profiles', 'setPin', { id: s.profiles.operator, pin: '9753' })
    await s.core.invoke('profiles', 'switch', { profileId: s.profiles.operator, pin: '9753' })
    // Changing one's own PIN needs the current one.
    expect(await refusal(() => s.core.invoke('profiles', 'setPin', { id: s.profiles.operator, pin: '1111' }))).toMatchObject({ code: 'pin_wrong' })
    await s.core.invoke('profiles', 'setPin', { id: s.profiles.operator, pin: '1111', currentPin: '9753' })
  })
})

describe('personal data by role', () => {
  it('masks customers’ phones and addresses for trainers, in the core’s outputs and exports', async () => {
    await s.signIn('operator')
    const c = await s.core.invoke('customers', 'create', { name: '周女士', phones: ['13812348000'], addresses: ['广东省深圳市南山区科技园南区 8 栋 1203'] })
    expect(c.phones).toEqual(['+8613812348000'])
    await s.signIn('trainer')
    const listed = (await s.core.invoke('customers', 'list', {})).rows.find((r) => r.id === c.id)!
    expect(listed.phones).toEqual(['+86138****8000'])
    expect(listed.addresses).toEqual(['广东省深圳市****'])
    const detail = await s.core.invoke('customers', 'get', { id: c.id })
    expect(JSON.stringify(detail)).not.toContain('12348000')
    expect(await refusal(() => s.core.invoke('exports', 'run', { entity: 'customers', format: 'csv' }))).toMatchObject({ code: 'forbidden' })
    await s.signIn('manager')
    expect((await s.core.invoke('customers', 'get', { id: c.id })).customer.phones).toEqual(['+8613812348000'])
  })

  it('masks the usual shapes of phones and addresses', () => {
    expect(maskPhone('13812348000')).toBe('138****8000')
    expect(maskPhone('+8613812348000')).toBe('+86138****8000')
    expect(maskAddress('北京市朝阳区建国路 88 号')).toBe('北京市****')
    expect(maskAddress('浙江省杭州市西湖区文三路 1 号')).toBe('浙江省杭州市****')
    expect(maskAddress('新疆维吾尔自治区乌鲁木齐市天山区')).toBe('新疆维吾尔自治区乌鲁木齐市****')
  })
})
