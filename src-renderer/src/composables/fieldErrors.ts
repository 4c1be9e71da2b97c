import { OrchardClientError } from '@/api/client'

/**
 * Turns a core error into messages keyed by form field, so the person sees the
 * problem next to the input that caused it. The core locates a problem either as
 * details.field (a domain rule: a bad phone at 'phones.1', a duplicate WeChat id)
 * or, when the contract's schema refused the input, as details.issues[].path.
 * Update calls wrap the fields in `patch`, so that prefix is dropped; list
 * indexes are kept ('phones.0') because each list item has its own input.
 *
 * `byCode` names the field for errors that arrive without one. Forms whose
 * inputs are whole fields (a product's commission rates edited as one group)
 * pass `{ topLevel: true }` to key every problem by its first path segment.
 */
export function fieldErrorsOf(err: unknown, byCode: Record<string, string> = {}, { topLevel = false } = {}): Record<string, string> {
  const fieldKey = (path: string) => {
    const key = path.replace(/^patch\./, '')
    return topLevel ? key.split('.')[0] : key
  }
  if (!(err instanceof OrchardClientError)) return {}
  const out: Record<string, string> = {}
  const details = (err.details ?? {}) as { field?: unknown; issues?: unknown }
  if (typeof details.field === 'string' && details.field) out[fieldKey(details.field)] = err.message
  if (Array.isArray(details.issues)) {
    for (const issue of details.issues as { path?: unknown; message?: unknown }[]) {
      const path = Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path ?? '')
      const key = fieldKey(path)
      if (key && !out[key]) out[key] = String(issue.message ?? err.message)
    }
  }
  const named = byCode[err.code]
  if (named && !Object.keys(out).some((k) => k === named || k.startsWith(`${named}.`))) out[named] = err.message
  return out
}

/** The value a located error was raised for (a duplicate phone as the core normalised it). */
export function errorValue(err: unknown): string | null {
  if (!(err instanceof OrchardClientError)) return null
  const value = (err.details as { value?: unknown } | undefined)?.value
  return typeof value === 'string' ? value : null
}
