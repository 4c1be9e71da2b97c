import { ref, shallowRef, type Ref } from 'vue'
import { errorMessage } from '@/api/client'

export interface LoadedOptions<T> {
  /** After each answer that is shown (not one a newer read overtook), with that answer. */
  onLoaded?: (result: T) => void
  /** After each failure that is shown, with the error as thrown (a refusal's details point at a field). */
  onFailed?: (err: unknown) => void
}

export interface Loaded<T> {
  /** The newest answer; null until the first one arrives (a skeleton, not "nothing"). */
  value: Ref<T | null>
  loading: Ref<boolean>
  /** Why the last read failed; '' while a read runs and after one succeeds. */
  error: Ref<string>
  /** Reads again (after an edit, an event, another filter). */
  load(): Promise<void>
  /** Forgets the answer and reads again: the screen now shows something else (another product). */
  reload(): Promise<void>
}

/**
 * One thing a screen reads from the core (a month's summary, a product's comparisons, a page of
 * a list): the answer, loading and error states. Reads can overlap when a filter changes quickly;
 * only the newest may fill the screen, so an older answer (or failure) arriving late is dropped.
 */
export function useLoaded<T>(fetch: () => Promise<T>, options: LoadedOptions<T> = {}): Loaded<T> {
  const value = shallowRef<T | null>(null) as Ref<T | null>
  const loading = ref(false)
  const error = ref('')
  let seq = 0

  async function load(): Promise<void> {
    const mine = ++seq
    loading.value = true
    error.value = ''
    try {
      const result = await fetch()
      if (mine !== seq) return
      value.value = result
      options.onLoaded?.(result)
    } catch (err) {
      if (mine !== seq) return
      error.value = errorMessage(err)
      options.onFailed?.(err)
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  function reload(): Promise<void> {
    value.value = null
    return load()
  }

  return { value, loading, error, load, reload }
}
