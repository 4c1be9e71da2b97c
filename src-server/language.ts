import type { FastifyRequest } from 'fastify'
import Negotiator from 'negotiator'
import type { Lang } from '../src-shared/bilingual'

/**
 * The language a caller reads, from its Accept-Language: Chinese or English, whichever it
 * prefers (zh-CN, zh-TW → Chinese; en-GB → English); a caller that reads neither gets
 * English. No header, or `*`, asks for nothing: the answer keeps both halves, as a log does.
 */
export function callerLanguage(req: FastifyRequest): Lang | null {
  const header = req.headers['accept-language']
  if (!header || header.trim() === '*') return null
  return (new Negotiator({ headers: { 'accept-language': header } }).language(['zh', 'en']) as Lang | undefined) ?? 'en'
}
