import { locatedErrors, type LocatedError } from '@shared/located'
import { OrchardClientError } from '@/api/client'

/**
 * Turns a core error into messages keyed by form field, so the person sees the
 * problem next to the input that caused it. The error's located errors (the one
 * shape, @shared/located) name the field: a domain rule's (a bad phone at
 * 'phones.1', a duplicate WeChat id) or each path the contract's schema refused.
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
  for (const located of locatedErrors(err)) {
    const key = located.field ? fieldKey(located.field) : ''
    if (key && !out[key]) out[key] = located.reason
  }
  const named = byCode[err.code]
  if (named && !Object.keys(out).some((k) => k === named || k.startsWith(`${named}.`))) out[named] = err.message
  return out
}

/** The value a located error was raised for (a duplicate phone as the core normalised it). */
export function errorValue(err: unknown): string | null {
  if (!(err instanceof OrchardClientError)) return null
  return locatedErrors(err).find((e) => e.value !== undefined)?.value ?? null
}

/** Where a core error points (a file's row and column, a field), in the one located-error shape. */
export function locatedOf(err: unknown): LocatedError {
  if (err instanceof OrchardClientError) return locatedErrors(err)[0] ?? { code: err.code, reason: err.message }
  return { code: 'internal', reason: err instanceof Error ? err.message : String(err) }
}
