import DataLoader from 'dataloader'
import { LRUCache } from 'lru-cache'
import { isTimeZone } from '../../src-shared/time'
import type { SqlClient } from '../storage'

export interface LinkedMember {
  team: string
  code: string
  name: string
  studioName: string
  zone: string
}

export interface MemberPackRow {
  owner_key: string
  day: string
  kind: 'member' | 'group'
  title: string
  content: string
}

export interface MemberPacks {
  rows: MemberPackRow[]
  /** Every file named by one of the member's packs: what their link may fetch. */
  files: Set<string>
}

/**
 * What a member's link resolves to — the member, their team's name and zone, their packs and
 * the files those name — kept in this process for a few seconds, so the page and its nine
 * pictures do not each repeat the same joins.
 *
 * A revoked link must answer 404 at once on every instance sharing the database, so a cached
 * member is trusted only after its link is seen live again: the checks of all requests that
 * arrived meanwhile go to the database as one query (a query that starts after each of them
 * arrived, so a revocation committed before a request is always seen). A change made through
 * this process (links, a publish) empties the cache at once; one made through another instance
 * reaches packs here within the TTL.
 */
export class PageLookups {
  private readonly members: LRUCache<string, LinkedMember>
  private readonly packs: LRUCache<string, MemberPacks>
  private readonly live: DataLoader<string, boolean>
  /** Bumped by forget(): a lookup that started before a change must not cache what it read. */
  private generation = 0

  constructor(
    private readonly db: SqlClient,
    options: { ttlMs?: number; max?: number } = {},
  ) {
    const ttl = options.ttlMs ?? 5_000
    const max = options.max ?? 20_000
    this.members = new LRUCache({ max, ttl })
    this.packs = new LRUCache({ max, ttl })
    this.live = new DataLoader(
      async (hashes: readonly string[]) => {
        const rows = await db.query<{ token_hash: string }>('SELECT token_hash FROM member_links WHERE token_hash = ANY($1::text[]) AND revoked_at IS NULL', [[...hashes]])
        const live = new Set(rows.map((r) => r.token_hash))
        return hashes.map((h) => live.has(h))
      },
      // Gather every request that reached this turn of the event loop, not only this tick's.
      { cache: false, maxBatchSize: 500, batchScheduleFn: (run) => setImmediate(run) },
    )
  }

  /** The member whose live link has this hash (the caller compares the hash in constant time), or null. */
  async member(hash: string): Promise<(LinkedMember & { tokenHash: string }) | null> {
    const cached = this.members.get(hash)
    if (cached) {
      if (await this.live.load(hash)) return { ...cached, tokenHash: hash }
      this.members.delete(hash)
      return null
    }
    const generation = this.generation
    // One round trip: the link with its team's name and zone.
    const [row] = await this.db.query<{ token_hash: string; team: string; member_code: string; member_name: string; studio_name: string | null; time_zone: string | null }>(
      `SELECT l.token_hash, l.team, l.member_code, l.member_name, t.studio_name, t.time_zone
         FROM member_links l LEFT JOIN page_teams t ON t.team = l.team WHERE l.token_hash = $1 AND l.revoked_at IS NULL`,
      [hash],
    )
    if (!row) return null
    const zone = row.time_zone && isTimeZone(row.time_zone) ? row.time_zone : 'Asia/Shanghai'
    const member = { team: row.team, code: row.member_code, name: row.member_name, studioName: row.studio_name ?? '', zone }
    if (generation === this.generation) this.members.set(hash, member)
    return { ...member, tokenHash: row.token_hash }
  }

  /** The member's packs on the server (every day kept) and the files they name. */
  async memberPacks(team: string, code: string): Promise<MemberPacks> {
    const key = `${team}\u0000${code}`
    const cached = this.packs.get(key)
    if (cached) return cached
    const generation = this.generation
    const rows = await this.db.query<MemberPackRow>('SELECT owner_key, day, kind, title, content FROM packs WHERE team = $1 AND member_code = $2 ORDER BY day, kind DESC, title', [
      team,
      code,
    ])
    const files = await this.db.query<{ sha256: string }>(
      'SELECT DISTINCT f.sha256 FROM packs p JOIN pack_files f ON f.pack_id = p.id WHERE p.team = $1 AND p.member_code = $2',
      [team, code],
    )
    const found = { rows, files: new Set(files.map((f) => f.sha256)) }
    if (generation === this.generation) this.packs.set(key, found)
    return found
  }

  /** Links or packs changed through this process: nothing cached may answer for them again. */
  forget(): void {
    this.generation++
    this.members.clear()
    this.packs.clear()
  }
}
