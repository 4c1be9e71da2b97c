import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { z } from 'zod'
import { OrchardError } from '../../../../src-shared/errors'
import { PosterTemplate } from '../../../../src-shared/materials/templates'
import { resourcesDir } from './resources'

export type { PosterTemplate } from '../../../../src-shared/materials/templates'

/** 'slots[3].style.minSize' from ['slots', 3, 'style', 'minSize']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out ? `.${String(key)}` : String(key)
  }
  return out || '(模板 / template)'
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<PropertyKey, unknown>)[key]
  }
  return v
}

/** "中文 / English": the slash may follow a full-width bracket without a space (…（x）/ English). */
const BILINGUAL = /\s?\/ /

/** zod's own messages are English only; custom ones in the schema already read "中文 / English". */
function bilingual(issue: z.core.$ZodIssue): string {
  if (BILINGUAL.test(issue.message)) return issue.message
  const i = issue as z.core.$ZodIssue & Record<string, unknown>
  switch (issue.code) {
    case 'invalid_type':
      return i.input === undefined
        ? `缺少必填项 / required field is missing (expected ${String(i.expected)})`
        : `类型不对，应为 ${String(i.expected)} / wrong type: expected ${String(i.expected)}`
    case 'too_small':
      return `值太小，最小为 ${String(i.minimum)} / too small: the minimum is ${String(i.minimum)}`
    case 'too_big':
      return `值太大，最大为 ${String(i.maximum)} / too large: the maximum is ${String(i.maximum)}`
    case 'unrecognized_keys':
      return `未知字段：${(i.keys as string[]).join('、')} / unknown field(s): ${(i.keys as string[]).join(', ')}`
    case 'invalid_value':
      return `取值无效，可用：${(i.values as unknown[]).map(String).join('、')} / invalid value: use ${(i.values as unknown[]).map(String).join(', ')}`
    default:
      return `取值无效 / invalid value: ${issue.message}`
  }
}

/**
 * Checks a template (from a file, the console's editor, or a pack's settings) and
 * returns it with defaults filled in. Refuses it with a located error: the file,
 * the path inside it ('slots[3].x'), the value and why — for instance a slot that
 * hangs off the canvas names the slot and the edge.
 */
export function validateTemplate(raw: unknown, source?: string): PosterTemplate {
  const parsed = PosterTemplate.safeParse(raw)
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues.map((issue) => ({
    path: formatPath(issue.path),
    value: 'input' in issue && issue.input !== undefined ? issue.input : valueAt(raw, issue.path),
    why: bilingual(issue),
    ...(issue.code === 'custom' && issue.params?.edge ? { edge: issue.params.edge as string } : {}),
  }))
  const first = issues[0]
  const where = source ? `${basename(source)}：` : ''
  const whereEn = source ? ` ${basename(source)}` : ''
  const at = first.why.search(BILINGUAL)
  const [zh, en] = at >= 0 ? [first.why.slice(0, at).trim(), first.why.slice(at).replace(BILINGUAL, '').trim()] : [first.why, first.why]
  throw new OrchardError('template_invalid', `海报模板无效 ${where}${first.path} — ${zh} / invalid poster template${whereEn} at ${first.path}: ${en}`, {
    file: source,
    path: first.path,
    value: first.value,
    why: first.why,
    ...(first.edge ? { edge: first.edge } : {}),
    issues: issues.slice(0, 20),
  })
}

let cache: { dir: string; templates: PosterTemplate[] } | null = null

/** The shipped templates in resources/templates, validated, sorted by file name. Each call returns fresh copies. */
export function defaultTemplates(): PosterTemplate[] {
  const dir = join(resourcesDir(), 'templates')
  if (!cache || cache.dir !== dir) {
    let files: string[]
    try {
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    } catch (err) {
      throw new OrchardError('template_invalid', `找不到默认模板目录 / the default templates folder is missing: ${dir}`, {
        file: dir,
        why: err instanceof Error ? err.message : String(err),
      })
    }
    const templates: PosterTemplate[] = []
    const seen = new Map<string, string>()
    for (const file of files) {
      const path = join(dir, file)
      let raw: unknown
      try {
        raw = JSON.parse(readFileSync(path, 'utf8'))
      } catch (err) {
        throw new OrchardError('template_invalid', `模板文件不是有效的 JSON：${file} / template file is not valid JSON: ${file}`, {
          file: path,
          why: err instanceof Error ? err.message : String(err),
        })
      }
      const template = validateTemplate(raw, path)
      const other = seen.get(template.id)
      if (other) {
        throw new OrchardError('template_invalid', `模板编号重复「${template.id}」：${other} 与 ${file} / duplicate template id "${template.id}" in ${other} and ${file}`, {
          file: path,
          path: 'id',
          value: template.id,
          why: 'duplicate id',
        })
      }
      seen.set(template.id, file)
      templates.push(template)
    }
    cache = { dir, templates }
  }
  return structuredClone(cache.templates)
}
