import { bilingualHalf, type Lang } from '@shared/bilingual'
import { i18n, type Locale } from '@/i18n'

/** The console's language as the core names languages. */
export function readerLang(): Lang {
  // Composition mode: the global locale is a ref, though its type says otherwise (see stores/settings.ts).
  const locale = (i18n.global.locale as unknown as { value: Locale }).value
  return locale === 'en-US' ? 'en' : 'zh'
}

/** A "中文 / English" message from the core, in the console's language only (reactive to a language switch). */
export function inReaderLanguage(text: string): string {
  return bilingualHalf(text, readerLang())
}
