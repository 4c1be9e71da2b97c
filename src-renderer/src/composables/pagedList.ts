import { computed, ref, shallowRef, type Ref } from 'vue'
import type { PaginationProps } from 'naive-ui'
import { errorMessage } from '@/api/client'

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
  rows: Ref<T[]>
  total: Ref<number>
  /** The first answer has arrived: an empty table means "nothing", not "not yet". */
  loaded: Ref<boolean>
  loading: Ref<boolean>
  error: Ref<string>
  /** Reads the current page again (after an edit, an event). */
  load(): Promise<void>
  /** Back to the first page and read it (the filters or the sort changed). */
  reset(): Promise<void>
  /** naive-ui's pagination for a remote data table, wired to this list. */
  pagination: Ref<PaginationProps>
}

/**
 * A list the core pages through: the current page, its rows and the total, loading and
 * error states, and naive-ui pagination. Answers can arrive out of order while someone
 * types a search; only the newest request may fill the table.
 */
export function usePagedList<R extends { rows: unknown[]; total: number }>(fetch: (range: PageRange) => Promise<R>, options: PagedListOptions<R> = {}): PagedList<R['rows'][number]> {
  type T = R['rows'][number]
  const page = ref(1)
  const pageSize = ref(options.pageSize ?? 50)
  const rows = shallowRef<T[]>([]) as Ref<T[]>
  const total = ref(0)
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref('')
  let seq = 0

  async function load(): Promise<void> {
    const mine = ++seq
    loading.value = true
    try {
      const result = await fetch({ offset: (page.value - 1) * pageSize.value, limit: pageSize.value })
      if (mine !== seq) return
      rows.value = result.rows
      total.value = result.total
      loaded.value = true
      error.value = ''
      options.onLoaded?.(result)
    } catch (err) {
      if (mine === seq) error.value = errorMessage(err)
    } finally {
      if (mine === seq) loading.value = false
    }
  }

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

  return { page, pageSize, rows, total, loaded, loading, error, load, reset, pagination }
}
