import { readFileSync, rmSync, statSync } from 'node:fs'
import { MAX_TEAM_FILE_BYTES } from '../../../src-shared/recordsProtocol'
import type { Db } from '../db/connection'
import { writeOutput } from '../jobs/outputs'
import { hasStoredFile, isSha256, productImageHashes, sha256Of, storedFile } from '../materials/photos'
import { recordsPushed } from '../records/sync'
import { SyncFailure, type SyncHttp } from './http'

/**
 * The pictures the shared records name — a buyer photo's image, a product's own pictures —
 * travel through the team server's file store (PUT/GET /v1/files/:sha256), by their hash:
 *  - before this workstation's changes go up, every file a waiting change names is put on
 *    the server (a file the server holds already is answered as stored: safe to repeat), so
 *    no workstation ever pulls a record whose picture the team does not have;
 *  - after the team's changes came in, every file a record here names and this workstation
 *    lacks is fetched, checked against its hash and written under a temporary name then
 *    renamed: bytes that do not match their name are refused and never written under it.
 *    A file the server lacks or a failed download leaves the record as it is (the console
 *    shows the picture as not yet downloaded) and is tried again next round.
 */

export interface FilesRound {
  uploaded: number
  downloaded: number
  /** Files the records here name that the server did not have or could not give: tried again next round. */
  missing: number
  /** Files whose bytes did not match their hash (from the server, or held here): never written under that name, never sent. */
  refused: number
}

export const emptyFilesRound = (): FilesRound => ({ uploaded: 0, downloaded: 0, missing: 0, refused: 0 })

/** The files the changes not yet pushed name: of the buyer photos and products they create or whose picture they change. */
export function filesToUpload(db: Db): string[] {
  const pushed = recordsPushed(db)
  const photos = db
    .prepare(
      `SELECT DISTINCT b.sha256 FROM record_changes c JOIN buyer_photos b ON b.id = c.record_id
        WHERE c.seq > ? AND c.record = 'buyerPhoto' AND (c.op = 'create' OR (c.op = 'update' AND c.field = 'sha256')) AND b.sha256 IS NOT NULL`,
    )
    .pluck()
    .all(pushed) as string[]
  const products = db
    .prepare(
      `SELECT DISTINCT p.images FROM record_changes c JOIN products p ON p.id = c.record_id
        WHERE c.seq > ? AND c.record = 'product' AND (c.op = 'create' OR (c.op = 'update' AND c.field = 'images'))`,
    )
    .pluck()
    .all(pushed) as string[]
  const named = [...photos, ...products.flatMap((images) => productImageHashes(parseList(images)))]
  return [...new Set(named)].filter((sha) => hasStoredFile(db, sha))
}

/** Every file a record here names that this workstation does not hold. */
export function filesToDownload(db: Db): string[] {
  return [...namedFiles(db)].filter((sha) => isSha256(sha) && !hasStoredFile(db, sha))
}

const parseList = (json: string): unknown[] => {
  try {
    const v = JSON.parse(json) as unknown
    return Array.isArray(v) ? v : []
  } catch {
    return []
  }
}

/**
 * Puts the files the waiting changes name on the team server. A failure stops the round
 * before the changes go up (they wait for their files); a file held here whose bytes no
 * longer match its name (damaged on disk) is not sent, and counted as refused.
 */
export async function uploadFiles(db: () => Db, http: SyncHttp, round: FilesRound): Promise<void> {
  for (const sha of filesToUpload(db())) {
    const file = storedFile(db(), sha)
    if (statSync(file).size > MAX_TEAM_FILE_BYTES) {
      round.refused++
      continue
    }
    const bytes = readFileSync(file)
    if (sha256Of(bytes) !== sha) {
      round.refused++
      continue
    }
    await http.putFile(sha, bytes)
    round.uploaded++
  }
}

/**
 * Fetches the files the records here name and this workstation lacks. Never fails the
 * round: what could not be fetched is counted and tried again next time. True when a file came in.
 */
export async function downloadFiles(db: () => Db, http: SyncHttp, round: FilesRound): Promise<boolean> {
  const before = round.downloaded
  const wanted = filesToDownload(db())
  for (let i = 0; i < wanted.length; i++) {
    const sha = wanted[i]
    let bytes: Buffer | null
    try {
      bytes = await http.getFile(sha, MAX_TEAM_FILE_BYTES)
    } catch (err) {
      if (!(err instanceof SyncFailure)) throw err
      // Unreachable: the rest waits for the next round too. A file refused for its size is counted as refused.
      if (err.code === 'sync_protocol') {
        round.refused++
        continue
      }
      round.missing += wanted.length - i
      return round.downloaded > before
    }
    if (!bytes) {
      round.missing++
      continue
    }
    if (sha256Of(bytes) !== sha) {
      round.refused++
      continue
    }
    writeVerified(db(), sha, bytes)
    round.downloaded++
  }
  return round.downloaded > before
}

/** Every file a record here names (a buyer photo's image, a product's own pictures). */
export function namedFiles(db: Db): Set<string> {
  const photos = db.prepare('SELECT DISTINCT sha256 FROM buyer_photos WHERE sha256 IS NOT NULL').pluck().all() as string[]
  const products = db.prepare(`SELECT images FROM products WHERE images LIKE '%sha256:%'`).pluck().all() as string[]
  return new Set([...photos, ...products.flatMap((images) => productImageHashes(parseList(images)))])
}

/**
 * Removes the stored files the records named before the team's changes came in (`before`)
 * and no record names now: a photo removed on another workstation takes its customer's
 * picture off this one too. Only those: a file another process has just stored for a write
 * of its own is never among them. Returns how many went.
 */
export function pruneFiles(db: Db, before: ReadonlySet<string>): number {
  const now = namedFiles(db)
  let removed = 0
  for (const sha of before) {
    if (now.has(sha) || !hasStoredFile(db, sha)) continue
    rmSync(storedFile(db, sha), { force: true })
    removed++
  }
  return removed
}

/** Writes bytes already checked against their hash into the store: a temporary name, then renamed, so no one reads half a file. */
function writeVerified(db: Db, sha: string, bytes: Buffer): void {
  writeOutput(storedFile(db, sha), bytes, { mode: 0o600 })
}
