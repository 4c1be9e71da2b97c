import { bilingualHalf } from '@shared/bilingual'
import { i18n, type Locale } from '@/i18n'

/** A "中文 / English" message from the core, in the console's language only (reactive to a language switch). */
export function inReaderLanguage(text: string): string {
  // Composition mode: the global locale is a ref, though its type says otherwise (see stores/settings.ts).
  const locale = (i18n.global.locale as unknown as { value: Locale }).value
  return bilingualHalf(text, locale === 'en-US' ? 'en' : 'zh')
}
