import { computed } from 'vue'
import { api } from '@/api/client'
import { useLoaded } from '@/composables/loaded'

/**
 * What the packs screen's pickers choose from (members, groups, products, templates) and the
 * group QR codes that need attention before packs go out. A failed read keeps the last lists.
 */
export function usePackChoices() {
  const loaded = useLoaded(async () => {
    const [members, groups, products, templates, alerts] = await Promise.all([
      api.members.all(),
      api.groups.list({}),
      api.products.list({ active: true, limit: 500, sort: { field: 'name', dir: 'asc' } }),
      api.posterTemplates.list(),
      api.packs.alerts(),
    ])
    return { members, groups, products: products.rows, templates, alerts }
  })
  return {
    members: computed(() => loaded.value.value?.members ?? []),
    groups: computed(() => loaded.value.value?.groups ?? []),
    products: computed(() => loaded.value.value?.products ?? []),
    templates: computed(() => loaded.value.value?.templates ?? []),
    alerts: computed(() => loaded.value.value?.alerts ?? []),
    error: loaded.error,
    load: loaded.load,
  }
}

export type PackChoices = ReturnType<typeof usePackChoices>
