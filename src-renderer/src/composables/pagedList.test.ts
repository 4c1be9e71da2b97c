// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { deferred } from './deferred.testkit'
import { usePagedList } from './pagedList'

describe('a paged list', () => {
  it('shows only the newest answer when answers arrive out of order, and pages through the core', async () => {
    const asked: { offset: number; limit: number }[] = []
    const answers: ReturnType<typeof deferred<{ rows: string[]; total: number }>>[] = []
    const list = usePagedList((range) => {
      asked.push(range)
      const d = deferred<{ rows: string[]; total: number }>()
      answers.push(d)
      return d.promise
    })
    const first = list.load()
    const second = list.load()
    answers[1].resolve({ rows: ['王芳'], total: 120 })
    await second
    answers[0].resolve({ rows: ['old'], total: 1 })
    await first
    expect(list.rows.value).toEqual(['王芳'])
    expect(list.total.value).toBe(120)
    expect(list.loaded.value).toBe(true)
    expect(list.loading.value).toBe(false)

    ;(list.pagination.value.onUpdatePage as (page: number) => void)(3)
    expect(asked.at(-1)).toEqual({ offset: 100, limit: 50 })
    answers.at(-1)!.resolve({ rows: [], total: 120 })
    ;(list.pagination.value.onUpdatePageSize as (size: number) => void)(100)
    expect(list.page.value).toBe(1)
    expect(asked.at(-1)).toEqual({ offset: 0, limit: 100 })
    answers.at(-1)!.resolve({ rows: [], total: 120 })
  })

  it('keeps the rows on screen and says why when a later page fails', async () => {
    let fail = false
    const list = usePagedList(async () => {
      if (fail) throw Object.assign(new Error('core unreachable'), { code: 'unreachable' })
      return { rows: [1, 2], total: 2 }
    })
    await list.load()
    fail = true
    await list.load()
    expect(list.rows.value).toEqual([1, 2])
    expect(list.error.value).toContain('core unreachable')
    fail = false
    await list.reset()
    expect(list.error.value).toBe('')
  })
})
