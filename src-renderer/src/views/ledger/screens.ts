import { ShieldCheckmarkOutline, WalletOutline } from '@vicons/ionicons5'
import type { ScreenDef } from '@/screens'

/** The ledger screens, in sidebar order. */
export const ledgerScreens: ScreenDef[] = [
  { name: 'ledger', titleKey: 'ledger.nav.ledger', icon: WalletOutline, component: () => import('./LedgerView.vue') },
  { name: 'schemes', titleKey: 'ledger.nav.schemes', icon: ShieldCheckmarkOutline, component: () => import('./SchemesView.vue') },
]
