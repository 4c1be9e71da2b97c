import { computed, ref, type ComputedRef, type Ref } from 'vue'
import type { PaginationProps } from 'naive-ui'
import { useLoaded } from './loaded'

export interface PageRange {
  offset: number
  limit: number
}

export interface PagedListOptions<R> {
  /** Rows per page at first; the page-size picker offers these. */
  pageSize?: number
  pageSizes?: number[]
  /** The "N in all" the pagination shows before the pages. */
  totalLabel?: (total: number) => string
  /** How many page buttons the pagination shows. */
  pageSlot?: number
  /** After each answer that is shown (not one a newer request overtook), with the whole answer. */
  onLoaded?: (result: R) => void
}

export interface PagedList<T> {
  page: Ref<number>
  pageSize: Ref<number>
  /** The shown page's rows; a view may replace one it has just saved without reading again. */
  rows: Ref<T[]>
  total: ComputedRef<number>
  /** The first answer has arrived: an empty table means "nothing", not "not yet". */
  loaded: ComputedRef<boolean>
  loading: Ref<boolean>
  /** Why the last read failed; '' while a read runs and after one succeeds. */
  error: Ref<string>
  /** Reads the current page again (after an edit, an event). */
  load(): Promise<void>
  /** Back to the first page and read it (the filters or the sort changed). */
  reset(): Promise<void>
  /** naive-ui's pagination for a remote data table, wired to this list. */
  pagination: Ref<PaginationProps>
}

/**
 * A list the core pages through: a loaded answer (useLoaded: loading, error, and only the
 * newest of overlapping requests shown, as while someone types a search) that is one page of
 * rows and the total, with the current page, its size and naive-ui pagination.
 */
export function usePagedList<R extends { rows: unknown[]; total: number }>(fetch: (range: PageRange) => Promise<R>, options: PagedListOptions<R> = {}): PagedList<R['rows'][number]> {
  type T = R['rows'][number]
  const page = ref(1)
  const pageSize = ref(options.pageSize ?? 50)
  const answer = useLoaded(() => fetch({ offset: (page.value - 1) * pageSize.value, limit: pageSize.value }), { onLoaded: options.onLoaded })
  // Until the first answer the table is empty; afterwards a failed page keeps the last rows on screen.
  const rows = computed<T[]>({
    get: () => (answer.value.value?.rows ?? []) as T[],
    set: (next) => {
      if (answer.value.value) answer.value.value = { ...answer.value.value, rows: next }
    },
  })
  const total = computed(() => answer.value.value?.total ?? 0)
  const loaded = computed(() => answer.value.value !== null)
  const { load } = answer

  function reset(): Promise<void> {
    page.value = 1
    return load()
  }

  const pagination = computed<PaginationProps>(() => ({
    page: page.value,
    pageSize: pageSize.value,
    itemCount: total.value,
    pageSizes: options.pageSizes ?? [50, 100, 200],
    showSizePicker: true,
    ...(options.pageSlot ? { pageSlot: options.pageSlot } : {}),
    ...(options.totalLabel ? { prefix: () => options.totalLabel!(total.value) } : {}),
    onUpdatePage: (p: number) => {
      page.value = p
      void load()
    },
    onUpdatePageSize: (s: number) => {
      pageSize.value = s
      page.value = 1
      void load()
    },
  }))

  return { page, pageSize, rows, total, loaded, loading: answer.loading, error: answer.error, load, reset, pagination }
}
