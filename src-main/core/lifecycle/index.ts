import { lifecycleContract } from '../../../src-shared/contracts/lifecycle'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreArea } from '../coreArea'
import type { ServiceHandlers } from '../context'
import { approvalsHandlers, auditHandlers, careHandlers, rulesHandlers, temperatureHandlers } from './handlers'
import { kitsHandlers } from './kits'
import { profilesHandlers, startSession } from './profiles'
import { seedLifecycleDemo } from './demo'
import { clearLifecycle, installDefaults, runUpkeep } from './studio'

type Services = keyof typeof lifecycleContract

/** The lifecycle services, one handler per contract method (but the audit's verifyTeam: core/sync). */
export const lifecycleHandlers: { [S in Exclude<Services, 'audit'>]: ServiceHandlers<S> } & { audit: Omit<ServiceHandlers<'audit'>, 'verifyTeam'> } = {
  profiles: profilesHandlers,
  care: careHandlers,
  temperature: temperatureHandlers,
  rules: rulesHandlers,
  approvals: approvalsHandlers,
  audit: auditHandlers,
  kits: kitsHandlers,
}

/** Upkeep must never stop the core from opening or the hosts' hourly round; the next round tries again. */
function quietly(work: () => void): void {
  try {
    work()
  } catch (err) {
    if (process.env.NODE_ENV !== 'test') console.warn('lifecycle upkeep:', OrchardError.from(err).message)
  }
}

export const lifecycleArea: CoreArea = {
  start(ctx) {
    // The session first: whatever else fails, the workstation starts on its least privileged profile.
    quietly(() => startSession(ctx))
    quietly(() => {
      installDefaults(ctx.db, ctx.clock.now(), ctx.timezone())
      runUpkeep(ctx, { evaluate: false })
    })
  },
  async maintenance(ctx) {
    quietly(() => runUpkeep(ctx, { evaluate: true }))
  },
  clearStudio(ctx) {
    clearLifecycle(ctx.db)
    installDefaults(ctx.db, ctx.clock.now(), ctx.timezone())
  },
  seedDemo(ctx, options) {
    seedLifecycleDemo(ctx, options)
  },
}

export { approvedMoneyActions, overturnedMoneyActions, type ApprovedMoneyAction } from './ledgerFeed'
