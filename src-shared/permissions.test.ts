import { describe, expect, it } from 'vitest'
import { methodNames } from './contract'
import { ROLES } from './roles'
import { fieldAccess, METHOD_PERMISSIONS, PERMISSIONS, permissionOfMethod, mayCall, RECORD_FIELDS, type Actor, type FieldRule, type Permission, type RecordKind } from './permissions'
import { CustomerInput, GroupInput, MemberInput, ProductPatch } from './schemas'

describe('the permission table', () => {
  it('names a permission held by someone for every contract method, and nothing the contract lacks', () => {
    const declared = Object.entries(METHOD_PERMISSIONS).flatMap(([service, methods]) => Object.keys(methods).map((m) => `${service}.${m}`))
    expect(declared.sort()).toEqual([...methodNames].sort())
    for (const name of methodNames) {
      const permission = permissionOfMethod(name)
      expect(permission, name).toBeDefined()
      expect(PERMISSIONS[permission as Permission].length, name).toBeGreaterThan(0)
    }
  })

  it('keeps replacing the studio, and where updates and backups go, to managers', () => {
    for (const name of ['demo.seed', 'demo.clear', 'backups.restore', 'sync.enrol', 'sync.forget']) {
      expect(mayCall('manager', name), name).toBe(true)
      expect(mayCall('operator', name), name).toBe(false)
      expect(mayCall('trainer', name), name).toBe(false)
    }
    expect(mayCall('trainer', 'customers.list')).toBe(true)
    expect(mayCall('trainer', 'approvals.approve')).toBe(false)
  })

  it('looks up own entries only', () => {
    for (const name of ['__proto__.toString', 'constructor.name', 'system.info.extra', 'system', 'toString']) expect(permissionOfMethod(name), name).toBeUndefined()
  })
})

describe('the field table of the shared records', () => {
  const actors: Actor[] = [...ROLES, 'system', null]

  it('never lets a role write a field it sees masked', () => {
    for (const [record, fields] of Object.entries(RECORD_FIELDS) as [RecordKind, Record<string, FieldRule>][]) {
      for (const [field, rule] of Object.entries(fields)) {
        for (const role of actors) {
          if (rule.see && !(PERMISSIONS[rule.see] as readonly Actor[]).includes(role)) {
            expect(fieldAccess(role, record, field), `${String(role)} ${record}.${field}`).toBe('masked')
          }
        }
      }
    }
  })

  it('declares every field a customer, product, member or group form can send', () => {
    const names = (schema: { shape: Record<string, unknown> }) => Object.keys(schema.shape).sort()
    expect(Object.keys(RECORD_FIELDS.customer).sort()).toEqual(names(CustomerInput))
    expect(Object.keys(RECORD_FIELDS.product).sort()).toEqual(names(ProductPatch))
    expect(Object.keys(RECORD_FIELDS.member).sort()).toEqual(names(MemberInput))
    expect(Object.keys(RECORD_FIELDS.group).sort()).toEqual(names(GroupInput))
  })

  it('keeps contacts, prices, commission rates and the team tree away from trainers', () => {
    for (const field of ['phones', 'addresses', 'wechatId']) expect(fieldAccess('trainer', 'customer', field), field).toBe('masked')
    for (const field of ['notes', 'tags', 'relClass']) expect(fieldAccess('trainer', 'customer', field), field).toBe('write')
    for (const field of ['commissionBp', 'mentorCommissionBp', 'salePriceFen', 'priceFloorFen', 'stock']) {
      expect(fieldAccess('trainer', 'product', field), field).toBe('read')
      expect(fieldAccess('operator', 'product', field), field).toBe('write')
    }
    for (const field of ['mentorId', 'level', 'status', 'inviteCode']) expect(fieldAccess('trainer', 'member', field), field).toBe('read')
    expect(fieldAccess('operator', 'setting', 'updateFeedUrl')).toBe('read')
    expect(fieldAccess('operator', 'setting', 'theme')).toBe('write')
    expect(fieldAccess('manager', 'customer', 'phones')).toBe('write')
  })
})
