import { onBeforeUnmount, onMounted } from 'vue'
import { onEvent } from '@/api/client'

/**
 * Runs `refresh` whenever the core reports a write to one of `entities` (an import,
 * a restore, an edit in another window), for as long as the calling component lives.
 * Bursts are folded into one refresh: an import touches several tables at once.
 */
export function useDataChanged(entities: readonly string[], refresh: (changed: string[]) => void): void {
  let off: (() => void) | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let pending = new Set<string>()
  onMounted(() => {
    off = onEvent('data.changed', (payload) => {
      const hits = payload.entities.filter((e) => entities.includes(e))
      if (!hits.length) return
      hits.forEach((e) => pending.add(e))
      clearTimeout(timer)
      timer = setTimeout(() => {
        const changed = [...pending]
        pending = new Set()
        refresh(changed)
      }, 120)
    })
  })
  onBeforeUnmount(() => {
    off?.()
    clearTimeout(timer)
  })
}
