import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Settings } from '@shared/schemas'
import { api } from '@/api/client'
import { i18n, type Locale } from '@/i18n'

/** The studio's settings as the console uses them: language and theme apply at once. */
export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings | null>(null)
  const prefersDark = ref(window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false)
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', (e) => (prefersDark.value = e.matches))

  const language = computed<Locale>(() => settings.value?.language ?? 'zh-CN')
  const dark = computed(() => {
    const theme = settings.value?.theme ?? 'light'
    return theme === 'dark' || (theme === 'system' && prefersDark.value)
  })

  function apply(next: Settings) {
    settings.value = next
    // composition-mode i18n: the locale is a ref
    ;(i18n.global.locale as unknown as { value: Locale }).value = next.language
    document.documentElement.lang = next.language
    document.documentElement.classList.toggle('dark', dark.value)
  }

  async function load() {
    apply(await api.settings.get())
  }

  async function update(patch: Partial<Settings>) {
    apply(await api.settings.update(patch))
  }

  return { settings, language, dark, load, update }
})
