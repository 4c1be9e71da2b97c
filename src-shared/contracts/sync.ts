/**
 * The workstation's sync with the team's server: its part of the contract.
 * contract.ts spreads these into the one table every host serves.
 */
export const syncContract = {} as const

export const syncEvents = {} as const
