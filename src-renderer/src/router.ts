import { createRouter, createWebHashHistory } from 'vue-router'
import AppLayout from './layout/AppLayout.vue'

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

let checkedStartup = false
router.beforeEach(async (to) => {
  if (checkedStartup) return true
  checkedStartup = true
  // The desktop shell could not open the database: only the recovery screen makes sense.
  const failure = await window.orchardHost?.startupError()
  if (failure && to.name !== 'recovery') return { name: 'recovery' }
  return true
})
