import { z } from 'zod'
import {
  LinkChangesResponse,
  MissingBlobsResponse,
  PagesConfig,
  PublishPacksResponse,
  ScansResponse,
  TicksResponse,
  WithdrawalsResponse,
  type WithdrawalAnswersRequest,
  type BlobType,
  type LinkChangesRequest,
  type LiveGroupWire,
  type MemberEarnings,
  type PublishPacksRequest,
} from '../../../src-shared/pagesProtocol'
import { SyncHttp } from '../sync/http'

const Ok = z.object({ ok: z.literal(true) })
const Stored = z.object({ stored: z.number().int() })

/**
 * The workstation's side of src-shared/pagesProtocol.ts: the same client, token, time-outs
 * and error codes as the ledger's sync (a server that answers something else is an error,
 * never data).
 */
export class PagesHttp extends SyncHttp {
  config() {
    return this.request('GET', '/v1/pages/config', PagesConfig)
  }
  team(settings: { studioName: string; timeZone: string }) {
    return this.request('PUT', '/v1/pages/team', Ok, settings)
  }
  missing(sha256: string[]) {
    return this.request('POST', '/v1/pages/blobs/missing', MissingBlobsResponse, { sha256 })
  }
  putBlob(sha256: string, type: BlobType, data: Buffer) {
    return this.request('PUT', `/v1/pages/blobs/${sha256}`, z.object({ stored: z.boolean() }), undefined, true, { data, type })
  }
  packs(request: PublishPacksRequest) {
    return this.request('POST', '/v1/pages/packs', PublishPacksResponse, request)
  }
  earnings(members: { memberCode: string; earnings: MemberEarnings }[]) {
    return this.request('POST', '/v1/pages/earnings', Stored, { members })
  }
  links(changes: LinkChangesRequest['changes']) {
    return this.request('POST', '/v1/pages/links', LinkChangesResponse, { changes })
  }
  groups(groups: LiveGroupWire[]) {
    return this.request('POST', '/v1/pages/groups', Stored, { groups })
  }
  ticks(after: number, limit: number) {
    return this.request('GET', `/v1/pages/ticks?after=${after}&limit=${limit}`, TicksResponse)
  }
  scans(since: string) {
    return this.request('GET', `/v1/pages/scans?since=${since}`, ScansResponse)
  }
  withdrawals(after: number, limit: number) {
    return this.request('GET', `/v1/pages/withdrawals?after=${after}&limit=${limit}`, WithdrawalsResponse)
  }
  answerWithdrawals(answers: WithdrawalAnswersRequest['answers']) {
    return this.request('POST', '/v1/pages/withdrawals/answers', z.object({ applied: z.number().int() }), { answers })
  }
}
