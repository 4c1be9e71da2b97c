import type { ScreenDef } from '@/screens'

/** The ledger screens, in sidebar order. */
export const ledgerScreens: ScreenDef[] = []
