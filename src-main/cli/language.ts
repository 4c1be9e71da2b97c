import type { Lang } from '../../src-shared/bilingual'

/**
 * The language the person at the terminal reads: `--lang zh|en`, else ORCHARD_LANG, else the
 * locale (LC_ALL, LC_MESSAGES, LANG, the first one set): zh_CN.UTF-8, zh_TW… read Chinese,
 * any other locale (C, en_US, de_DE) English. Read before the command line is parsed, so a
 * refusal of the command line itself is in that language too; an unknown --lang value is
 * refused by the parser as bad usage.
 */
export function terminalLanguage(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Lang {
  const i = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='))
  const given = i < 0 ? undefined : argv[i].startsWith('--lang=') ? argv[i].slice('--lang='.length) : argv[i + 1]
  if (given === 'zh' || given === 'en') return given
  const chosen = env.ORCHARD_LANG?.trim().toLowerCase()
  if (chosen === 'zh' || chosen === 'en') return chosen
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v && v.trim())
  return locale && /^zh/i.test(locale.trim()) ? 'zh' : 'en'
}
