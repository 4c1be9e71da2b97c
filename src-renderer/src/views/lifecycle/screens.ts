import { CalendarOutline, FingerPrintOutline, GiftOutline, ScaleOutline, ThermometerOutline } from '@vicons/ionicons5'
import type { ScreenDef } from '@/screens'

/** The lifecycle screens, in sidebar order: the day's care first, the manager's screens after. */
export const lifecycleScreens: ScreenDef[] = [
  { name: 'care', titleKey: 'lifecycle.nav.care', icon: CalendarOutline, component: () => import('./CareView.vue') },
  { name: 'temperature', titleKey: 'lifecycle.nav.temperature', icon: ThermometerOutline, component: () => import('./TemperatureView.vue') },
  { name: 'rules', titleKey: 'lifecycle.nav.rules', icon: ScaleOutline, component: () => import('./RulesView.vue') },
  { name: 'audit', titleKey: 'lifecycle.nav.audit', icon: FingerPrintOutline, component: () => import('./AuditView.vue') },
  { name: 'kits', titleKey: 'lifecycle.nav.kits', icon: GiftOutline, component: () => import('./KitsView.vue') },
]
