/**
 * The ledger part of the contract: its schemas, services and events.
 * contract.ts spreads these into the one table every host serves.
 */
export const ledgerContract = {} as const

export const ledgerEvents = {} as const
