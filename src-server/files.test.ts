import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { MAX_FILE_BYTES } from './files'
import { useTestServer } from './server.testkit'
import { testBackends } from './testDatabases'

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

for (const backend of testBackends()) {
  describe(`the team's files on the sync server (${backend.name})`, () => {
    const srv = useTestServer(backend, 'orchard-files-server')
    let teams = 0
    const enrol = (team: string, role?: string) => srv.enrol(team, role ? { role } : {})
    const put = (token: string | null, sha: string, bytes: Buffer) =>
      fetch(`${srv.server.url}/v1/files/${sha}`, {
        method: 'PUT',
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/octet-stream' },
        body: new Uint8Array(bytes),
      })
    const get = (token: string | null, sha: string) => fetch(`${srv.server.url}/v1/files/${sha}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })

    /** A real photo: a JPEG sharp draws, as a buyer's phone would send one. */
    const photo = (r: number) => sharp({ create: { width: 640, height: 480, channels: 3, background: { r, g: 120, b: 80 } } }).jpeg({ quality: 85 }).toBuffer()

    it('keeps a photo by its SHA-256 and gives the identical bytes to another device of the team; a second upload is answered as held', async () => {
      const team = `files-${++teams}`
      const [a, b] = [await enrol(team), await enrol(team, 'trainer')]
      const bytes = await photo(200)
      const sha = sha256(bytes)
      const first = await put(a, sha, bytes)
      expect(first.status).toBe(200)
      expect(await first.json()).toEqual({ sha256: sha, size: bytes.length, stored: true })
      expect(await (await put(a, sha, bytes)).json()).toEqual({ sha256: sha, size: bytes.length, stored: false })
      const got = await get(b, sha)
      expect(got.status).toBe(200)
      const back = Buffer.from(await got.arrayBuffer())
      expect(sha256(back)).toBe(sha)
      expect((await sharp(back).metadata()).width).toBe(640)
    })

    it('refuses bytes that do not match their hash, a name that is not a hash, and a file over the limit, with why; nothing is kept', async () => {
      const team = `files-${++teams}`
      const a = await enrol(team)
      const bytes = await photo(10)
      const other = sha256(await photo(11))
      const wrong = await put(a, other, bytes)
      expect(wrong.status).toBe(400)
      expect(((await wrong.json()) as { error: { code: string; details: unknown } }).error).toMatchObject({ code: 'hash_mismatch', details: { expected: other, actual: sha256(bytes) } })
      expect((await get(a, other)).status).toBe(404)

      const path = await put(a, '..%2F..%2Fetc%2Fpasswd', bytes)
      expect(path.status).toBe(400)
      expect(((await path.json()) as { error: { code: string } }).error.code).toBe('invalid_hash')

      const big = Buffer.alloc(MAX_FILE_BYTES + 1, 7)
      const tooBig = await put(a, sha256(big), big)
      expect(tooBig.status).toBe(413)
      expect((await get(a, sha256(big))).status).toBe(404)
    })

    it('needs a device token, and never gives one team’s file to another team’s device', async () => {
      const [mine, theirs] = [await enrol(`files-${++teams}`), await enrol(`files-${++teams}`)]
      const bytes = await photo(90)
      const sha = sha256(bytes)
      expect((await put(null, sha, bytes)).status).toBe(401)
      expect((await put(mine, sha, bytes)).status).toBe(200)
      expect((await get(null, sha)).status).toBe(401)
      const other = await get(theirs, sha)
      expect(other.status).toBe(404)
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe('file_not_found')
    })
  })
}
