/**
 * Errors are values the UI can show. `details` carries the location of bad input
 * (file, row, column, value) or the list of schema issues.
 */
export interface OrchardErrorShape {
  code: string
  message: string
  details?: unknown
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: OrchardErrorShape }

export class OrchardError extends Error implements OrchardErrorShape {
  readonly code: string
  readonly details?: unknown
  constructor(code: string, message: string, details?: unknown) {
    super(message)
    this.name = 'OrchardError'
    this.code = code
    this.details = details
  }
  toJSON(): OrchardErrorShape {
    return { code: this.code, message: this.message, details: this.details }
  }
  static from(value: unknown): OrchardError {
    if (value instanceof OrchardError) return value
    if (value && typeof value === 'object' && 'code' in value && 'message' in value) {
      const v = value as OrchardErrorShape
      return new OrchardError(String(v.code), String(v.message), v.details)
    }
    const message = value instanceof Error ? value.message : String(value)
    return new OrchardError('internal', message)
  }
}
