import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { z } from 'zod'
import type { SystemInfo } from '@shared/schemas'
import { api } from '@/api/client'

export const useSystemStore = defineStore('system', () => {
  const info = ref<z.infer<typeof SystemInfo> | null>(null)
  async function load() {
    info.value = await api.system.info()
  }
  return { info, load }
})
