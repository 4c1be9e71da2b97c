import { eventNames, methodNames, type EventName, type EventPayload, type OrchardApi } from '@shared/contract'
import type { OrchardErrorShape, Result } from '@shared/errors'
import { HTTP_CALL_PREFIX, HTTP_EVENTS, type OrchardBridge } from '@shared/transport'
import { inReaderLanguage } from '@/format/bilingual'

/** An error from the core, with the code and located details it was raised with. */
export class OrchardClientError extends Error implements OrchardErrorShape {
  readonly code: string
  readonly details?: unknown
  constructor(shape: OrchardErrorShape) {
    super(shape.message)
    this.name = 'OrchardClientError'
    this.code = shape.code
    this.details = shape.details
  }
}

type RawCall = (name: string, input: unknown) => Promise<Result<unknown>>
type Listener = (event: EventName, payload: unknown) => void

declare global {
  interface Window {
    orchard?: OrchardBridge
  }
}

const TOKEN_KEY = 'orchard.token'

/** Browser mode: the token arrives once in the URL (?token=…) and is kept for this tab only. */
export function browserToken(): string {
  const url = new URL(window.location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl)
    url.searchParams.delete('token')
    window.history.replaceState(null, '', url.pathname + url.search + url.hash)
    return fromUrl
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? ''
}

function electronTransport(bridge: OrchardBridge): { call: RawCall; subscribe: (l: Listener) => () => void } {
  return {
    call: (name, input) => {
      const [service, method] = name.split('.')
      const fn = (bridge as unknown as Record<string, Record<string, (i: unknown) => Promise<Result<unknown>>>>)[service][method]
      return fn(input)
    },
    subscribe: (listener) => bridge.$onEvent(listener),
  }
}

function httpTransport(): { call: RawCall; subscribe: (l: Listener) => () => void } {
  const token = browserToken()
  const listeners = new Set<Listener>()
  let source: EventSource | null = null
  const connect = () => {
    source = new EventSource(`${HTTP_EVENTS}?token=${encodeURIComponent(token)}`)
    for (const name of eventNames) {
      source.addEventListener(name, (e) => {
        const payload = JSON.parse((e as MessageEvent).data)
        for (const l of listeners) l(name, payload)
      })
    }
  }
  return {
    call: async (name, input) => {
      let res: Response
      try {
        res = await fetch(HTTP_CALL_PREFIX + name, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        })
      } catch (err) {
        return { ok: false, error: { code: 'offline', message: `无法连接果园服务 / cannot reach the Orchard host: ${(err as Error).message}` } }
      }
      if (res.status === 401) {
        return { ok: false, error: { code: 'unauthorized', message: '访问令牌无效，请使用启动时打印的链接打开 / invalid access token: open the URL printed at start-up' } }
      }
      return (await res.json()) as Result<unknown>
    },
    subscribe: (listener) => {
      listeners.add(listener)
      if (!source) connect()
      return () => listeners.delete(listener)
    },
  }
}

const transport = window.orchard ? electronTransport(window.orchard) : httpTransport()

export const hostKind: 'electron' | 'browser' = window.orchard ? 'electron' : 'browser'

/** Calls a contract method by name; resolves to its output or rejects with OrchardClientError. */
export async function callMethod(name: string, input?: unknown): Promise<unknown> {
  const result = await transport.call(name, input)
  if (!result.ok) throw new OrchardClientError(result.error)
  return result.value
}

/** The typed API: api.customers.list({...}) — built from the contract's method names. */
export const api = Object.fromEntries(
  Object.entries(
    methodNames.reduce<Record<string, Record<string, (input?: unknown) => Promise<unknown>>>>((acc, name) => {
      const [service, method] = name.split('.')
      ;(acc[service] ??= {})[method] = (input?: unknown) => callMethod(name, input)
      return acc
    }, {}),
  ),
) as unknown as OrchardApi

export function onEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  return transport.subscribe((name, payload) => {
    if (name === event) listener(payload as EventPayload<E>)
  })
}

/** A human message for any error the console shows (core errors keep their text). */
/** An error as the console shows it: the core's "中文 / English" message in the console's language. */
export function errorMessage(err: unknown): string {
  if (err instanceof OrchardClientError) return inReaderLanguage(err.message)
  if (err instanceof Error) return inReaderLanguage(err.message)
  return String(err)
}
