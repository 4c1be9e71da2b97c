import { describe, expect, it } from 'vitest'
import { methodNames } from './contract'
import { METHOD_PERMISSIONS, PERMISSIONS, permissionOfMethod, mayCall, type Permission } from './permissions'

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
