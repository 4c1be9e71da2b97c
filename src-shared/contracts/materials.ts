/**
 * The materials part of the contract: its schemas, services and events.
 * contract.ts spreads these into the one table every host serves.
 */
export const materialsContract = {} as const

export const materialsEvents = {} as const
