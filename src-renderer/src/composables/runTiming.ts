import { useI18n } from 'vue-i18n'

/** How long a run still needs and how long it took, in words an operator reads at a glance. */
export function useRunTiming() {
  const { t } = useI18n()

  function timeLeft(seconds: number): string {
    const s = Math.max(1, Math.round(seconds))
    if (s < 60) return t('packs.run.etaSeconds', { s })
    if (s < 3600) return t('packs.run.etaMinutes', { m: Math.floor(s / 60), s: s % 60 })
    return t('packs.run.etaHours', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) })
  }

  /** 4.2 s, 2:05, 1:02:03. */
  function duration(ms: number): string {
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
    const total = Math.round(ms / 1000)
    const h = Math.floor(total / 3600)
    const m = Math.floor((total % 3600) / 60)
    const s = String(total % 60).padStart(2, '0')
    return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
  }

  return { timeLeft, duration }
}
