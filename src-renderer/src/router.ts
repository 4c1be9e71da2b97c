import {
  BagHandleOutline,
  CloudUploadOutline,
  GitNetworkOutline,
  GridOutline,
  PeopleCircleOutline,
  PeopleOutline,
  ReceiptOutline,
  SettingsOutline,
} from '@vicons/ionicons5'
import { createRouter, createWebHashHistory } from 'vue-router'
import AppLayout from './layout/AppLayout.vue'
import type { ScreenDef } from './screens'
import { ledgerScreens } from './views/ledger/screens'
import { lifecycleScreens } from './views/lifecycle/screens'
import { materialsScreens } from './views/materials/screens'

const records = (name: string, icon: ScreenDef['icon'], component: ScreenDef['component']): ScreenDef => ({
  name,
  titleKey: `common.nav.${name}`,
  icon,
  component,
})

/** The sidebar, in sections: the records, then each area's screens, then settings. */
export const SECTIONS: ScreenDef[][] = [
  [
    records('dashboard', GridOutline, () => import('./views/DashboardView.vue')),
    records('customers', PeopleOutline, () => import('./views/CustomersView.vue')),
    records('groups', PeopleCircleOutline, () => import('./views/GroupsView.vue')),
    records('products', BagHandleOutline, () => import('./views/ProductsView.vue')),
    records('members', GitNetworkOutline, () => import('./views/MembersView.vue')),
    records('orders', ReceiptOutline, () => import('./views/OrdersView.vue')),
    records('import', CloudUploadOutline, () => import('./views/ImportView.vue')),
  ],
  materialsScreens,
  lifecycleScreens,
  ledgerScreens,
  [records('settings', SettingsOutline, () => import('./views/SettingsView.vue'))],
].filter((section) => section.length > 0)

export const SCREENS: ScreenDef[] = SECTIONS.flat()

/** Hash history: works under file:// in the desktop shell and behind the browser host alike. */
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    {
      path: '/',
      component: AppLayout,
      redirect: '/dashboard',
      children: SCREENS.map((screen) => ({ path: screen.name, name: screen.name, component: screen.component })),
    },
    { path: '/recovery', name: 'recovery', component: () => import('./views/RecoveryView.vue') },
    { path: '/:pathMatch(.*)*', redirect: '/dashboard' },
  ],
})

/**
 * Asked once, before the first screen: when the desktop shell could not open the
 * database (corrupt, locked, newer than this version), only the recovery screen
 * makes sense, and nothing may call the core. Browser mode has no such question:
 * its host refuses to start instead.
 */
let startupFailure: Promise<boolean> | null = null
function startupFailed(): Promise<boolean> {
  startupFailure ??= (async () => {
    try {
      return Boolean(await window.orchardHost?.startupError())
    } catch {
      return false
    }
  })()
  return startupFailure
}

router.beforeEach(async (to) => {
  const failed = await startupFailed()
  if (failed && to.name !== 'recovery') return { name: 'recovery' }
  return true
})
