/** The console's screens as the sidebar lists them and the router routes them. */
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
