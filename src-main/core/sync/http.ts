import { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { SyncErrorCode } from '../../../src-shared/contracts/sync'
import { AuditPushResponse, TeamAuditVerification, type AuditRecordWire } from '../../../src-shared/auditChain'
import type { LedgerEntryWire } from '../../../src-shared/ledgerWire'
import { RECORDS_PROTOCOL_VERSION, RecordsPullResponse, RecordsPushResponse, RecordsSnapshotResponse, type RecordChangeWire, type SyncedRecord } from '../../../src-shared/recordsProtocol'
import { EnrolResponse, HelloResponse, PullResponse, PushResponse, type EnrolRequest } from '../../../src-shared/syncProtocol'

/** A failed call to the team server: `code` says what the console shows; `reachable` whether the server answered at all. */
export class SyncFailure extends OrchardError {
  readonly reachable: boolean
  constructor(code: SyncErrorCode, message: string, reachable: boolean, details?: unknown) {
    super(code, message, details)
    this.reachable = reachable
  }
}

const FileStored = z.object({ sha256: z.string(), size: z.number().int(), stored: z.boolean() })

/** Requests wait at most this long; a lost reply then counts as "offline" and the step is repeated later. */
export const REQUEST_TIMEOUT_MS = 30_000

export interface SyncHttpOptions {
  baseUrl: string
  token?: string | null
  /** Aborts every request in flight (the core is closing). */
  signal?: AbortSignal
  timeoutMs?: number
  /** The network (tests put a lossy proxy here by pointing baseUrl at it). */
  fetch?: typeof fetch
}

/**
 * The workstation's side of the protocol in src-shared/syncProtocol.ts. Every
 * answer is checked against the shared schema: a server (or proxy) that answers
 * something else is an error, never data.
 */
export class SyncHttp {
  constructor(private readonly options: SyncHttpOptions) {}

  enrol(body: EnrolRequest) {
    return this.request('POST', '/v1/enrol', EnrolResponse, body, false)
  }
  hello() {
    return this.request('GET', '/v1/hello', HelloResponse)
  }
  push(entries: LedgerEntryWire[]) {
    return this.request('POST', '/v1/push', PushResponse, { entries })
  }
  pushRecords(team: string, changes: RecordChangeWire[]) {
    return this.request('POST', '/v1/records/push', RecordsPushResponse, { protocol: RECORDS_PROTOCOL_VERSION, team, changes })
  }
  /** With `waitS`, the server holds the pull until the team has something new (see src-server/recordsWatch.ts). */
  pullRecords(after: number, limit: number, waitS = 0) {
    return this.request('GET', `/v1/records/pull?after=${after}&limit=${limit}${waitS ? `&wait=${waitS}` : ''}`, RecordsPullResponse)
  }
  /** A page of the team's records as of `at` (the first page, without it, fixes `at`). */
  recordsSnapshot(from: { at: number | null; record: SyncedRecord | null; after: string }, limit: number) {
    const q = new URLSearchParams({ limit: String(limit) })
    if (from.at !== null) q.set('at', String(from.at))
    if (from.record) {
      q.set('record', from.record)
      q.set('after', from.after)
    }
    return this.request('GET', `/v1/records/snapshot?${q.toString()}`, RecordsSnapshotResponse)
  }
  pushAudit(records: AuditRecordWire[]) {
    return this.request('POST', '/v1/audit/push', AuditPushResponse, { records })
  }
  verifyTeamAudit() {
    return this.request('GET', '/v1/audit/verify', TeamAuditVerification)
  }
  /** A file of the team's file store, by its SHA-256 (stored again is answered as stored: safe to repeat). */
  putFile(sha256: string, data: Buffer) {
    return this.request('PUT', `/v1/files/${sha256}`, FileStored, undefined, true, { data, type: 'application/octet-stream' })
  }
  /**
   * The bytes of a file of the team's file store, or null when the server holds no such file.
   * The caller checks them against the hash: the answer is data from the network, never trusted.
   */
  async getFile(sha256: string, maxBytes: number): Promise<Buffer | null> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/v1/files/${sha256}`
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? REQUEST_TIMEOUT_MS)
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout
    let res: Response
    try {
      res = await (this.options.fetch ?? fetch)(url, { headers: { authorization: `Bearer ${this.options.token ?? ''}` }, signal })
    } catch (err) {
      throw new SyncFailure('sync_unreachable', `连不上团队服务器 ${this.options.baseUrl} / cannot reach the team server`, false, { url, cause: (err as Error).message })
    }
    if (res.status === 404) {
      await res.body?.cancel()
      return null
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new SyncFailure('sync_server_error', `团队服务器没有给出文件（HTTP ${res.status}）/ the team server did not give the file`, true, { status: res.status, sha256 })
    }
    const length = Number(res.headers.get('content-length') ?? 0)
    if (length > maxBytes) {
      await res.body?.cancel()
      throw new SyncFailure('sync_protocol', `团队服务器的文件超过 ${maxBytes} 字节 / the team server's file is larger than ${maxBytes} bytes`, true, { sha256, size: length })
    }
    const data = Buffer.from(await res.arrayBuffer())
    if (data.length > maxBytes) throw new SyncFailure('sync_protocol', `团队服务器的文件超过 ${maxBytes} 字节 / the team server's file is larger than ${maxBytes} bytes`, true, { sha256, size: data.length })
    return data
  }
  pull(cursor: { entries: number; statuses: number }, limit: number) {
    return this.request('GET', `/v1/pull?entriesAfter=${cursor.entries}&statusesAfter=${cursor.statuses}&limit=${limit}`, PullResponse)
  }

  /** One call: JSON in and out, or raw bytes in (a file for members' pages, with its type). */
  protected async request<T extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    schema: T,
    body?: unknown,
    auth = true,
    raw?: { data: Buffer; type: string },
  ): Promise<z.output<T>> {
    const url = this.options.baseUrl.replace(/\/+$/, '') + path
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? REQUEST_TIMEOUT_MS)
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout
    const headers: Record<string, string> = { accept: 'application/json' }
    if (raw) headers['content-type'] = raw.type
    else if (body !== undefined) headers['content-type'] = 'application/json'
    if (auth && this.options.token) headers.authorization = `Bearer ${this.options.token}`
    let res: Response
    let text: string
    try {
      const payload: BodyInit | undefined = raw ? new Uint8Array(raw.data) : body === undefined ? undefined : JSON.stringify(body)
      res = await (this.options.fetch ?? fetch)(url, { method, headers, body: payload, signal })
      text = await res.text()
    } catch (err) {
      if (this.options.signal?.aborted) throw new SyncFailure('sync_unreachable', '同步已停止 / sync stopped', false, { url })
      if (timeout.aborted) {
        throw new SyncFailure('sync_timeout', `团队服务器 ${this.options.baseUrl} 没有及时回应 / the team server did not answer in time`, false, { url })
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      throw new SyncFailure(
        'sync_unreachable',
        `连不上团队服务器 ${this.options.baseUrl}（${cause?.code ?? cause?.message ?? (err as Error).message}）/ cannot reach the team server`,
        false,
        { url, cause: cause?.code ?? (err as Error).message },
      )
    }
    let json: unknown
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = undefined
    }
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error
      const serverCode = error?.code ?? `http_${res.status}`
      const serverMessage = error?.message ?? `HTTP ${res.status}`
      if (res.status === 401) {
        const revoked = serverCode === 'device_revoked'
        throw new SyncFailure(
          'sync_revoked',
          revoked
            ? '团队服务器已撤销此设备，请向管理者索取新的注册码后重新注册 / the team server revoked this device; enrol it again with a new code'
            : `团队服务器不认识此设备的令牌（${serverMessage}）/ the team server does not accept this device's token`,
          true,
          { status: res.status, serverCode },
        )
      }
      if (res.status === 403 && path === '/v1/enrol') throw new SyncFailure('sync_enrol_refused', serverMessage, true, { status: res.status, serverCode })
      if (res.status >= 500 || res.status === 429 || res.status === 408) {
        throw new SyncFailure('sync_server_error', `团队服务器出错：${serverMessage} / the team server failed`, true, { status: res.status, serverCode })
      }
      throw new SyncFailure('sync_rejected', `团队服务器拒绝了请求：${serverMessage} / the team server refused the request`, true, {
        status: res.status,
        serverCode,
        details: (json as { error?: { details?: unknown } } | undefined)?.error?.details,
      })
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      throw new SyncFailure('sync_protocol', `团队服务器的回答无法识别（${path}）/ the team server answered something unexpected`, true, {
        path,
        issues: parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })),
      })
    }
    return parsed.data
  }
}
