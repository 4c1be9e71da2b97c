/**
 * A day's material packs: planned once (plan), checked before anything is made (check),
 * produced as a durable job (run) into files that say what the pack holds (files).
 */
export { checkPacks } from './check'
export { allowanceOf, groupQrState, packCopy, packSchedule, type PackCopy } from './content'
export { bestSellers, BEST_SELLER_DAYS, planPacks, SHARED_FOLDER } from './plan'
export { generatePacks, listPackJobs, liveCodesOf, packJob, resumePacks, startPacks, stopAllPacks, storedPlan } from './run'
export type { PackOwnerSpec, PackPlan, PackRequest, ProductRow } from './types'
