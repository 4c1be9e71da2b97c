// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { contract } from '@shared/contract'
import { OrchardError } from '@shared/errors'
import { invalidInput, locatedErrors } from '@shared/located'
import { OrchardClientError } from '@/api/client'
import { errorValue, fieldErrorsOf, locatedOf } from './fieldErrors'

/** An error as the console receives it: the core's OrchardError, sent over the wire as JSON. */
const received = (err: OrchardError) => new OrchardClientError(JSON.parse(JSON.stringify(err.toJSON())))

describe('a core error on the console’s form', () => {
  it('lands a field the contract’s schema refused on that field, an edit’s patch prefix dropped', () => {
    const parsed = contract.customers.update.input.safeParse({ id: 'c1', patch: { name: '   ', phones: ['13800000001', 42] } })
    expect(parsed.success).toBe(false)
    // The core's own refusal of that input (api.ts builds it with the same function).
    const err = received(invalidInput('customers.update', parsed.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))))
    const fields = fieldErrorsOf(err)
    expect(Object.keys(fields).sort()).toEqual(['name', 'phones.1'])
    expect(fields.name).toContain('姓名不能为空 / name is required')
    expect(fieldErrorsOf(err, {}, { topLevel: true })).toHaveProperty('phones')
  })

  it('lands a domain rule’s refusal on the field it names, with the value it was raised for', () => {
    const err = received(new OrchardError('duplicate_wechat', '微信号已被王芳使用 / WeChat id already used by 王芳', { field: 'wechatId', value: 'lina88' }))
    expect(fieldErrorsOf(err)).toEqual({ wechatId: '微信号已被王芳使用 / WeChat id already used by 王芳' })
    expect(errorValue(err)).toBe('lina88')
    // An error without a field goes where the form says that code belongs.
    expect(fieldErrorsOf(received(new OrchardError('unknown_member', '没有这位会员 / no such member')), { unknown_member: 'ownerMemberId' })).toEqual({
      ownerMemberId: '没有这位会员 / no such member',
    })
  })

  it('reads a file’s problem in the same shape as an import’s row errors: file, row, column, value, missing headers', () => {
    const err = received(new OrchardError('import_missing_columns', '缺少必填列 / required columns missing', { file: '客户.csv', row: 1, missing: ['name'], headers: ['手机'] }))
    expect(locatedOf(err)).toEqual({ code: 'import_missing_columns', reason: '缺少必填列 / required columns missing', file: '客户.csv', row: 1, missing: ['name'] })
    const cell = received(new OrchardError('import_cell_too_long', '单元格过长 / cell too long', { file: '订单.xlsx', sheet: '订单', row: 7, column: '备注', value: 32768 }))
    expect(locatedErrors(cell)).toEqual([{ code: 'import_cell_too_long', reason: '单元格过长 / cell too long', file: '订单.xlsx', sheet: '订单', row: 7, column: '备注', value: '32768' }])
    expect(fieldErrorsOf(cell)).toEqual({})
  })
})
