import { onBeforeUnmount, onMounted, ref } from 'vue'
import type { SyncStatus } from '@shared/contracts/sync'
import { api, onEvent } from '@/api/client'

/** The workstation's sync state, kept current by the core's `sync.state` event. */
export function useSyncStatus() {
  const status = ref<SyncStatus | null>(null)
  const refresh = async () => {
    try {
      status.value = await api.sync.status()
    } catch {
      /* the header stays quiet; the sync tab shows errors */
    }
  }
  let stop: (() => void) | null = null
  onMounted(() => {
    void refresh()
    stop = onEvent('sync.state', (s) => (status.value = s))
  })
  onBeforeUnmount(() => stop?.())
  return { status, refresh }
}
