/**
 * The lifecycle part of the contract: its schemas, services and events.
 * contract.ts spreads these into the one table every host serves.
 */
export const lifecycleContract = {} as const

export const lifecycleEvents = {} as const
