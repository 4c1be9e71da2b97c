import { materialsContract } from '../../../src-shared/contracts/materials'
import type { CoreArea } from '../area'
import type { ServiceHandlers } from '../context'
import { checkPacks, generatePacks, listJobs } from './packs'

type Services = keyof typeof materialsContract

/** The materials services, one handler per contract method. */
export const materialsHandlers: { [S in Services]: ServiceHandlers<S> } = {
  packs: {
    check: (input, ctx) => checkPacks(ctx.db, input),
    generate: (input, ctx) => generatePacks(ctx, input),
    jobs: (_input, ctx) => listJobs(ctx.db),
  },
}

export const materialsArea: CoreArea = {
  clearStudio(ctx) {
    ctx.db.prepare('DELETE FROM material_job_items').run()
    ctx.db.prepare('DELETE FROM material_jobs').run()
  },
}
