import { createHash, randomBytes } from 'node:crypto'
import QRCode from 'qrcode'
import type { MemberPageLink } from '../../../src-shared/contracts/memberPages'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { MEMBER_PAGE_LINKS, type MemberPageLinkRow } from '../db/tables/memberPages'
import { upsertRow } from '../db/tables/table'
import { memberExists } from '../lifecycle/events'
import { publicBase } from './state'

/**
 * Members' links (会员小站): a 32-byte random token per member, its SHA-256 the only thing
 * the server keeps. The token stays in the studio's own database so the onboarding kit and
 * the statement can print the link again; a reissue or a revocation ends the old one.
 */

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')
export const newMemberToken = () => randomBytes(32).toString('base64url')

const linkRow = (db: Db, memberId: string) => db.prepare('SELECT * FROM member_page_links WHERE member_id = ?').get(memberId) as MemberPageLinkRow | undefined

/** The member's page address, or null when the member has no live link (or no server is set up). */
export function memberPageUrl(db: Db, memberId: string): string | null {
  const row = linkRow(db, memberId)
  const base = publicBase(db)
  if (!row || row.revoked_at || !row.token || !base) return null
  return `${base}/m/${row.token}`
}

export const qrDataUrl = (text: string) => QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: 360 })

export async function memberLink(db: Db, memberId: string): Promise<MemberPageLink> {
  memberExists(db, memberId)
  const row = linkRow(db, memberId)
  const url = memberPageUrl(db, memberId)
  return {
    memberId,
    url,
    issuedAt: row?.issued_at ?? null,
    revokedAt: row?.revoked_at ?? null,
    pending: Boolean(row && !row.pushed),
    qr: url ? await qrDataUrl(url) : null,
  }
}

function requireServer(db: Db): void {
  if (!publicBase(db)) {
    throw new OrchardError('sync_not_enrolled', '请先在“同步”里连接团队服务器：会员小站由它提供 / connect a team server first: it serves the members’ pages', { field: 'memberId' })
  }
}

/**
 * Gives the member a link, or with `reissue` a new one. Asking again without `reissue`
 * keeps the link the member already has (the onboarding kit printed last week still works).
 */
export function issueLink(ctx: CoreContext, memberId: string, reissue: boolean): void {
  const member = memberExists(ctx.db, memberId)
  requireServer(ctx.db)
  const row = linkRow(ctx.db, memberId)
  if (row && !row.revoked_at && !reissue) return
  if (member.status === 'left') {
    throw new OrchardError('member_left', `${member.name} 已离开团队，不能开通会员小站 / ${member.name} has left the team: no page for them`, { field: 'memberId', value: memberId })
  }
  const token = newMemberToken()
  upsertRow(ctx.db, MEMBER_PAGE_LINKS, ['member_id'], { member_id: memberId, token, token_hash: hashToken(token), issued_at: ctx.clock.now().toISOString(), revoked_at: null, pushed: 0 })
}

export function revokeLink(ctx: CoreContext, memberId: string): void {
  memberExists(ctx.db, memberId)
  const row = linkRow(ctx.db, memberId)
  if (!row || row.revoked_at) return
  // The token itself goes: a revoked link is never printed again.
  ctx.db.prepare('UPDATE member_page_links SET token = NULL, revoked_at = ?, pushed = 0 WHERE member_id = ?').run(ctx.clock.now().toISOString(), memberId)
}

/** Issues and revocations the server has not confirmed yet, with what it shows of the member. */
export function pendingLinks(db: Db): { memberId: string; memberCode: string; memberName: string; tokenHash: string | null; issuedAt: string }[] {
  return (
    db
      .prepare(
        `SELECT l.member_id, l.token_hash, l.revoked_at, l.issued_at, m.invite_code, m.name FROM member_page_links l JOIN members m ON m.id = l.member_id WHERE l.pushed = 0 ORDER BY l.issued_at`,
      )
      .all() as { member_id: string; token_hash: string; revoked_at: string | null; issued_at: string; invite_code: string; name: string }[]
  ).map((r) => ({ memberId: r.member_id, memberCode: r.invite_code, memberName: r.name, tokenHash: r.revoked_at ? null : r.token_hash, issuedAt: r.issued_at }))
}

/** Marks what the server confirmed, unless it changed again while the request was on its way. */
export function markLinksPushed(db: Db, sent: { memberId: string; tokenHash: string | null }[]): void {
  const mark = db.prepare('UPDATE member_page_links SET pushed = 1 WHERE member_id = ? AND (CASE WHEN revoked_at IS NULL THEN token_hash ELSE NULL END) IS ?')
  db.transaction(() => sent.forEach((s) => mark.run(s.memberId, s.tokenHash)))()
}
