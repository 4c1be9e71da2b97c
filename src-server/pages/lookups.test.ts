import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { migrateServer } from '../schema'
import { openStorage, type SqlClient, type Storage } from '../storage'
import { PageLookups } from './lookups'

/**
 * The page lookups' cache: what a member's page and its pictures repeat is read once, yet a
 * link revoked in the database — by another server instance, which this process never hears
 * of — is refused at the very next request.
 */
let storage: Storage
/** The statements the lookups sent, in order. */
const sent: string[] = []
const counting: SqlClient = {
  query: (sql, params) => {
    sent.push(sql.trim().split(/\s+/).slice(0, 4).join(' '))
    return storage.query(sql, params)
  },
}
const HASH_A = 'a'.repeat(64)
const HASH_B = 'b'.repeat(64)
const POSTER = 'c'.repeat(64)
const LATER = 'd'.repeat(64)

async function addPack(member: string, day: string, files: string[]): Promise<void> {
  const id = randomUUID()
  await storage.query(
    `INSERT INTO packs (id, team, owner_key, day, kind, member_code, title, run_id, run_created_at, content, published_by)
     VALUES ($1, 't1', $2, $3, 'member', $4, '今日素材', 'run', now(), '{}', 'ws')`,
    [id, `member:${member}`, day, member],
  )
  await storage.query('INSERT INTO pack_files (pack_id, team, sha256) SELECT $1, $2, unnest($3::text[])', [id, 't1', files])
}

beforeAll(async () => {
  storage = await openStorage({ pgliteDir: 'memory://' })
  await migrateServer(storage)
  await storage.query(`INSERT INTO teams (name) VALUES ('t1')`)
  await storage.query(`INSERT INTO page_teams (team, studio_name, time_zone) VALUES ('t1', '果园工作室', 'Asia/Shanghai')`)
  await storage.query(`INSERT INTO member_links (token_hash, team, member_code, member_name) VALUES ($1, 't1', 'ALICE1', '王芳'), ($2, 't1', 'BOB2', '李雷')`, [HASH_A, HASH_B])
  await addPack('ALICE1', '2000-01-01', [POSTER])
})
afterAll(async () => {
  await storage?.close()
})

it('a page and its nine pictures read the link and the files once; the pictures check the link live together in one query', async () => {
  const lookups = new PageLookups(counting)
  sent.length = 0
  const member = await lookups.member(HASH_A)
  expect(member).toMatchObject({ team: 't1', code: 'ALICE1', name: '王芳', studioName: '果园工作室', zone: 'Asia/Shanghai', tokenHash: HASH_A })
  expect((await lookups.memberPacks('t1', 'ALICE1')).files).toEqual(new Set([POSTER]))
  expect(sent).toHaveLength(3)

  sent.length = 0
  const pictures = await Promise.all(
    Array.from({ length: 9 }, async () => {
      const m = await lookups.member(HASH_A)
      return m && (await lookups.memberPacks(m.team, m.code)).files.has(POSTER)
    }),
  )
  expect(pictures).toEqual(Array(9).fill(true))
  expect(sent).toEqual(['SELECT token_hash FROM member_links'])
})

it('a cached link revoked in the database by another instance is refused at once, and stays refused', async () => {
  const lookups = new PageLookups(counting)
  expect(await lookups.member(HASH_B)).not.toBeNull()
  await storage.query(`UPDATE member_links SET revoked_at = now() WHERE token_hash = $1`, [HASH_B])
  expect(await lookups.member(HASH_B)).toBeNull()
  expect(await lookups.member(HASH_B)).toBeNull()
  expect(await lookups.member('e'.repeat(64))).toBeNull()
})

it('a publish through this server shows at once: forget() drops the packs, even ones being read as it happened', async () => {
  const lookups = new PageLookups(counting)
  expect((await lookups.memberPacks('t1', 'ALICE1')).files.has(LATER)).toBe(false)
  await addPack('ALICE1', '2000-01-02', [LATER])
  // Cached for a few seconds: another instance's publish would show within the TTL.
  expect((await lookups.memberPacks('t1', 'ALICE1')).files.has(LATER)).toBe(false)
  lookups.forget()
  expect((await lookups.memberPacks('t1', 'ALICE1')).rows.map((r) => r.day)).toEqual(['2000-01-01', '2000-01-02'])

  // A read that began before the change must not put what it saw back into the cache.
  const fresh = new PageLookups(counting)
  const reading = fresh.memberPacks('t1', 'ALICE1')
  fresh.forget()
  await reading
  sent.length = 0
  await fresh.memberPacks('t1', 'ALICE1')
  expect(sent).toHaveLength(2)
})
