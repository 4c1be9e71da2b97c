// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { deferred } from './deferred.testkit'
import { OrchardClientError } from '@/api/client'
import { useLoaded } from './loaded'

describe('one thing a screen reads', () => {
  it('shows the newest answer when an older one (or its failure) arrives later', async () => {
    const answers: ReturnType<typeof deferred<string>>[] = []
    const summary = useLoaded(() => {
      const d = deferred<string>()
      answers.push(d)
      return d.promise
    })
    const november = summary.load()
    const december = summary.load()
    answers[1].resolve('2026-12')
    await december
    answers[0].resolve('2026-11')
    await november
    expect(summary.value.value).toBe('2026-12')
    expect(summary.loading.value).toBe(false)

    const stale = summary.load()
    const fresh = summary.load()
    answers[3].resolve('again')
    await fresh
    answers[2].reject(new Error('网络断开 / Network down'))
    await stale
    expect(summary.error.value).toBe('')
    expect(summary.value.value).toBe('again')
  })

  it('keeps the last answer while a read fails, says why, and clears the message when the retry succeeds', async () => {
    let fail = false
    const summary = useLoaded(async () => {
      if (fail) throw new Error('数据库忙 / Database busy')
      return 42
    })
    await summary.load()
    fail = true
    await summary.load()
    expect(summary.error.value).toBe('数据库忙')
    expect(summary.value.value).toBe(42)
    fail = false
    const retry = summary.load()
    expect(summary.error.value).toBe('')
    expect(summary.loading.value).toBe(true)
    await retry
    expect(summary.error.value).toBe('')
  })

  it('forgets the answer of the thing shown before when it reloads for another', async () => {
    let product = 'p1'
    const gate = deferred<void>()
    const comparisons = useLoaded(async () => {
      const asked = product
      if (asked === 'p2') await gate.promise
      return [`${asked}: 淘宝 ¥59`]
    })
    await comparisons.load()
    product = 'p2'
    const next = comparisons.reload()
    expect(comparisons.value.value).toBeNull()
    gate.resolve()
    await next
    expect(comparisons.value.value).toEqual(['p2: 淘宝 ¥59'])
  })

  it('hands the newest failure as thrown to the screen (a refusal pointing at a slot), never an overtaken one', async () => {
    const answers: ReturnType<typeof deferred<string>>[] = []
    const failures: unknown[] = []
    const preview = useLoaded(
      () => {
        const d = deferred<string>()
        answers.push(d)
        return d.promise
      },
      { onFailed: (err) => failures.push(err) },
    )
    const refused = new OrchardClientError({ code: 'template_invalid', message: '位置超出画布 / Slot outside the canvas', details: { path: 'slots[3].x' } })
    const old = preview.load()
    const next = preview.load()
    answers[0].reject(new Error('网络断开 / Network down'))
    await old
    expect(failures).toEqual([])
    answers[1].reject(refused)
    await next
    expect(failures).toEqual([refused])
    expect((failures[0] as OrchardClientError).details).toEqual({ path: 'slots[3].x' })
    expect(preview.error.value).toBe('位置超出画布')

    const retry = preview.load()
    answers[2].resolve('data:image/png;base64,AA')
    await retry
    expect(failures).toHaveLength(1)
    expect(preview.value.value).toBe('data:image/png;base64,AA')
  })
})
