import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { z } from 'zod'
import type { SystemInfo } from '@shared/schemas'
import { api, errorMessage } from '@/api/client'

/** What the console knows about where it runs: version, data folder, database size, demo studio or not. */
export const useSystemStore = defineStore('system', () => {
  const info = ref<z.infer<typeof SystemInfo> | null>(null)
  const error = ref('')
  async function load() {
    try {
      info.value = await api.system.info()
      error.value = ''
    } catch (err) {
      error.value = errorMessage(err)
      throw err
    }
  }
  return { info, error, load }
})
