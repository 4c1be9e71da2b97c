import { defineStore } from 'pinia'
import { computed, ref, watchEffect } from 'vue'
import type { Settings } from '@shared/schemas'
import { api } from '@/api/client'
import { setStudioClock } from '@/format/time'
import { i18n, type Locale } from '@/i18n'

type Look = Pick<Settings, 'language' | 'theme'>
const LOOK_KEY = 'orchard.look'

/**
 * The last language and theme, kept in the browser too: the settings live in the
 * studio's database, but the first frame is painted before the core answers, and
 * an English, dark console should not flash Chinese and white on every start.
 */
function cachedLook(): Look {
  try {
    const raw = JSON.parse(localStorage.getItem(LOOK_KEY) ?? 'null') as Partial<Look> | null
    return {
      language: raw?.language === 'en-US' ? 'en-US' : 'zh-CN',
      theme: raw?.theme === 'dark' || raw?.theme === 'system' ? raw.theme : 'light',
    }
  } catch {
    return { language: 'zh-CN', theme: 'light' }
  }
}

/** The studio's settings as the console uses them: language, theme and time zone apply at once. */
export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings | null>(null)
  const look = ref<Look>(cachedLook())
  const media = window.matchMedia?.('(prefers-color-scheme: dark)')
  const prefersDark = ref(media?.matches ?? false)
  media?.addEventListener('change', (e) => (prefersDark.value = e.matches))

  const language = computed<Locale>(() => settings.value?.language ?? look.value.language)
  const theme = computed(() => settings.value?.theme ?? look.value.theme)
  const dark = computed(() => theme.value === 'dark' || (theme.value === 'system' && prefersDark.value))

  watchEffect(() => {
    // composition-mode i18n: the global locale is a ref
    ;(i18n.global.locale as unknown as { value: Locale }).value = language.value
    document.documentElement.lang = language.value
    document.documentElement.classList.toggle('dark', dark.value)
    document.documentElement.classList.toggle('light', !dark.value)
  })

  function apply(next: Settings) {
    settings.value = next
    look.value = { language: next.language, theme: next.theme }
    setStudioClock(next.timezone)
    try {
      localStorage.setItem(LOOK_KEY, JSON.stringify(look.value))
    } catch {
      // private windows may refuse storage; the database still holds the choice
    }
  }

  async function load() {
    const [next, clock] = await Promise.all([api.settings.get(), api.system.clock()])
    apply(next)
    setStudioClock(clock.timezone, clock.now)
  }

  async function update(patch: Partial<Settings>) {
    apply(await api.settings.update(patch))
  }

  return { settings, language, theme, dark, load, update }
})
