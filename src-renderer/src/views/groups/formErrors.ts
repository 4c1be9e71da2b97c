import { OrchardClientError } from '@/api/client'

/**
 * Turns a core error into messages per form field, so the person sees the problem
 * next to the input that caused it. The core reports a located problem either as
 * details.field (a domain rule: duplicate SKU, below the price floor…) or, when the
 * contract's schema refused the input, as details.issues[].path. Update calls wrap
 * the fields in `patch`, so that prefix is dropped.
 *
 * `codeFields` maps error codes that carry no field to the field they concern.
 */
export function fieldErrorsOf(err: unknown, codeFields: Record<string, string> = {}): Record<string, string> {
  if (!(err instanceof OrchardClientError)) return {}
  const out: Record<string, string> = {}
  const details = (err.details ?? {}) as { field?: unknown; issues?: unknown }
  if (typeof details.field === 'string' && details.field) {
    out[fieldKey(details.field)] = err.message
  }
  if (Array.isArray(details.issues)) {
    for (const issue of details.issues as { path?: unknown; message?: unknown }[]) {
      const key = fieldKey(String(issue.path ?? ''))
      if (key && !out[key]) out[key] = String(issue.message ?? err.message)
    }
  }
  const byCode = codeFields[err.code]
  if (byCode && !out[byCode]) out[byCode] = err.message
  return out
}

function fieldKey(path: string): string {
  return path.replace(/^patch\./, '').split('.')[0] ?? ''
}
