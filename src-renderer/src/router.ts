import { createRouter, createWebHashHistory } from 'vue-router'
import AppLayout from './layout/AppLayout.vue'
import { SCREENS } from './navigation'

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
