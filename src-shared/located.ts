import { z } from 'zod'
import { OrchardError, type OrchardErrorShape } from './errors'

/**
 * Where bad input is and why — the one shape of a located error, for the core, the
 * contract and the console alike: an import's refused row (file, sheet, row, column,
 * value), a row of an activity log, a field a form sent (field, value), a file the
 * importer could not read (file, the headers it misses). `reason` is the message,
 * bilingual "中文 / English" as everywhere; `code` says which rule refused it.
 */
export const LocatedError = z.object({
  file: z.string().optional(),
  sheet: z.string().optional(),
  /** Row number as a spreadsheet shows it (the header is row 1). */
  row: z.number().int().optional(),
  column: z.string().optional(),
  /** The input's field, as a path into what was sent ('phones.1', 'patch.wechatId'). */
  field: z.string().optional(),
  value: z.string().optional(),
  /** Headers a file should have had and did not. */
  missing: z.array(z.string()).optional(),
  code: z.string(),
  reason: z.string(),
})
export type LocatedError = z.infer<typeof LocatedError>

/** A located error of a file's row: the row, the column and the value it held are always known. */
export const RowError = LocatedError.extend({ row: z.number().int(), column: z.string(), value: z.string() })
export type RowError = z.infer<typeof RowError>

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined)

/**
 * The located errors an error carries: one for where its details point (a file's row, a
 * field and its value), one for each issue a schema found in the input (by its path).
 * What a host received over the wire is enough: the console reads it from the same shape.
 */
export function locatedErrors(err: OrchardErrorShape): LocatedError[] {
  const details = err.details && typeof err.details === 'object' && !Array.isArray(err.details) ? (err.details as Record<string, unknown>) : {}
  const issues = Array.isArray(details.issues) ? (details.issues as { path?: unknown; message?: unknown }[]) : []
  const out: LocatedError[] = []
  const where: LocatedError = { code: err.code, reason: err.message }
  for (const key of ['file', 'sheet', 'column', 'field'] as const) if (text(details[key])) where[key] = text(details[key])
  if (typeof details.row === 'number') where.row = details.row
  if (text(details.value) !== undefined) where.value = text(details.value)
  const missing = details.missing ?? details.missingHeaders
  if (Array.isArray(missing)) where.missing = missing.map(String)
  if (!issues.length || Object.keys(where).length > 2) out.push(where)
  for (const issue of issues) {
    const field = Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path ?? '')
    out.push({ code: err.code, reason: String(issue.message ?? err.message), ...(field ? { field } : {}) })
  }
  return out
}

/** The core's refusal of input its schema (or its guards) found wrong: each issue names its field's path. */
export function invalidInput(method: string, issues: { path: string; message: string }[]): OrchardError {
  return new OrchardError('invalid_input', `输入不合法：${issues.map((i) => `${i.path || '(input)'} ${i.message}`).join('；')}`, { method, issues })
}
