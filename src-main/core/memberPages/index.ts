import { memberPagesContract, type PagesPublishResult } from '../../../src-shared/contracts/memberPages'
import type { CoreArea } from '../coreArea'
import type { CoreContext, ServiceHandlers } from '../context'
import { isEnrolled, readSyncState } from '../sync/state'
import { exchangePages, type ExchangeOptions } from './exchange'
import { issueLink, memberLink, revokeLink } from './links'
import { liveCodeInfo, makeLiveCode, uploadContact } from './liveCodes'
import { clearPagesStudio, readPagesState } from './state'

export { exchangePages } from './exchange'
export { memberPageUrl } from './links'
export { liveCodeUrl } from './liveCodes'

type Services = keyof typeof memberPagesContract

/**
 * Exchanges started in the background (after a pack run, a run replaced, a link issued or
 * revoked): one at a time per studio, a second request folded into one more pass, and
 * waited for when the core closes.
 */
const running = new WeakMap<CoreContext, { current: Promise<void>; again: boolean; options?: ExchangeOptions }>()
const exchangeOptions = new WeakMap<CoreContext, ExchangeOptions>()

/** Test and host seam: the fetch (and time-out) the background exchanges use. */
export function setPagesExchangeOptions(ctx: CoreContext, options: ExchangeOptions): void {
  exchangeOptions.set(ctx, options)
}

/**
 * Starts an exchange now if the studio is enrolled; failures are recorded in the pages'
 * state and tried again later. `options` (the sync loop's fetch and its stop signal) apply to
 * this exchange, or to the next pass when one is already running.
 */
export function schedulePagesExchange(ctx: CoreContext, options?: ExchangeOptions): Promise<void> {
  try {
    if (!isEnrolled(readSyncState(ctx.db))) return Promise.resolve()
  } catch {
    return Promise.resolve()
  }
  const live = running.get(ctx)
  if (live) {
    live.again = true
    live.options = options
    return live.current
  }
  const state: { current: Promise<void>; again: boolean; options?: ExchangeOptions } = { current: Promise.resolve(), again: false, options }
  state.current = (async () => {
    try {
      do {
        state.again = false
        const pass = { ...exchangeOptions.get(ctx), ...state.options }
        if (pass.signal?.aborted) break
        await exchangePages(ctx, pass).catch(() => undefined)
      } while (state.again)
    } finally {
      running.delete(ctx)
    }
  })()
  running.set(ctx, state)
  return state.current
}

/** Waits for a background exchange under way (tests, closing). */
export const pagesExchangeSettled = (ctx: CoreContext): Promise<void> => running.get(ctx)?.current ?? Promise.resolve()

/** The member-page services, one handler per contract method. */
export const memberPagesHandlers: { [S in Services]: ServiceHandlers<S> } = {
  memberPages: {
    status: (_input, ctx) => {
      const s = readPagesState(ctx.db)
      return { enrolled: isEnrolled(readSyncState(ctx.db)), publicUrl: s.publicUrl, lastExchangeAt: s.lastExchangeAt, lastError: s.lastError }
    },
    link: (input, ctx) => memberLink(ctx.db, input.memberId),
    async issueLink(input, ctx) {
      issueLink(ctx, input.memberId, input.reissue)
      void schedulePagesExchange(ctx)
      return memberLink(ctx.db, input.memberId)
    },
    async revokeLink(input, ctx) {
      revokeLink(ctx, input.memberId)
      void schedulePagesExchange(ctx)
      return memberLink(ctx.db, input.memberId)
    },
    liveCode: (input, ctx) => liveCodeInfo(ctx, input.groupId),
    async makeLiveCode(input, ctx) {
      makeLiveCode(ctx, input.groupId)
      void schedulePagesExchange(ctx)
      return liveCodeInfo(ctx, input.groupId)
    },
    async uploadContact(input, ctx) {
      await uploadContact(ctx, input)
      void schedulePagesExchange(ctx)
      return liveCodeInfo(ctx, input.groupId)
    },
    async publish(input, ctx): Promise<PagesPublishResult> {
      await pagesExchangeSettled(ctx)
      const round = await exchangePages(ctx, { ...exchangeOptions.get(ctx), publish: { jobId: input.jobId, date: input.date } })
      return round.published
    },
  },
}

export const memberPagesArea: CoreArea = {
  async stop(ctx) {
    await pagesExchangeSettled(ctx)
  },
  clearStudio(ctx) {
    clearPagesStudio(ctx.db)
  },
}
