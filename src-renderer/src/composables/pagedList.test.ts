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

  it('ignores a page the user has already left, whether it answers or fails while the newer one is still on its way', async () => {
    const answers: ReturnType<typeof deferred<{ rows: string[]; total: number }>>[] = []
    const shown: string[][] = []
    const list = usePagedList(
      () => {
        const d = deferred<{ rows: string[]; total: number }>()
        answers.push(d)
        return d.promise
      },
      { onLoaded: (result) => shown.push(result.rows) },
    )
    const firstPage = list.load()
    ;(list.pagination.value.onUpdatePage as (page: number) => void)(2)
    answers[0].resolve({ rows: ['第1页 / page 1'], total: 60 })
    await firstPage
    // The answer for page 1 came back after the user asked for page 2: the table waits for page 2.
    expect(list.rows.value).toEqual([])
    expect(list.loaded.value).toBe(false)
    expect(list.loading.value).toBe(true)
    expect(shown).toEqual([])
    answers[1].resolve({ rows: ['第2页 / page 2'], total: 60 })
    await Promise.resolve()
    await Promise.resolve()
    expect(list.rows.value).toEqual(['第2页 / page 2'])
    expect(list.loading.value).toBe(false)

    const stale = list.reset()
    const fresh = list.load()
    answers[2].reject(new Error('核心无响应 / Core unreachable'))
    await stale
    expect(list.error.value).toBe('')
    expect(list.loading.value).toBe(true)
    answers[3].resolve({ rows: ['第1页 / page 1'], total: 60 })
    await fresh
    expect(list.error.value).toBe('')
    expect(list.rows.value).toEqual(['第1页 / page 1'])
    expect(shown).toEqual([['第2页 / page 2'], ['第1页 / page 1']])
  })

  it('lets a view put a row it has just saved in place without reading the page again', async () => {
    const list = usePagedList(async () => ({ rows: [{ id: 'a', name: '旧 / old' }, { id: 'b', name: '乙' }], total: 2 }))
    await list.load()
    list.rows.value = list.rows.value.map((r) => (r.id === 'a' ? { ...r, name: '新 / new' } : r))
    expect(list.rows.value.map((r) => r.name)).toEqual(['新 / new', '乙'])
    expect(list.total.value).toBe(2)
  })
})
