import { createRouter, createWebHashHistory } from 'vue-router'
import AppLayout from './layout/AppLayout.vue'

/** The screens of the sidebar, in its order; their titles are `common.nav.<name>`. */
export const SCREENS = ['dashboard', 'customers', 'groups', 'products', 'members', 'orders', 'import', 'settings'] as const
export type ScreenName = (typeof SCREENS)[number]

/** Hash history: works under file:// in the desktop shell and behind the browser host alike. */
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    {
      path: '/',
      component: AppLayout,
      redirect: '/dashboard',
      children: [
        { path: 'dashboard', name: 'dashboard', component: () => import('./views/DashboardView.vue') },
        { path: 'customers', name: 'customers', component: () => import('./views/CustomersView.vue') },
        { path: 'groups', name: 'groups', component: () => import('./views/GroupsView.vue') },
        { path: 'products', name: 'products', component: () => import('./views/ProductsView.vue') },
        { path: 'members', name: 'members', component: () => import('./views/MembersView.vue') },
        { path: 'orders', name: 'orders', component: () => import('./views/OrdersView.vue') },
        { path: 'import', name: 'import', component: () => import('./views/ImportView.vue') },
        { path: 'settings', name: 'settings', component: () => import('./views/SettingsView.vue') },
      ],
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
