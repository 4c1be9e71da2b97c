import { OrchardError } from '../src-shared/errors'

/** An error the HTTP layer answers with `status` and {error: {code, message, details}}. */
export class HttpError extends OrchardError {
  readonly status: number
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(code, message, details)
    this.status = status
  }
}

export const unauthorized = (code: string, message: string) => new HttpError(401, code, message)
export const badRequest = (message: string, details?: unknown) => new HttpError(400, 'invalid_request', message, details)
