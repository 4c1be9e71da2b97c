/**
 * Files the pages serve, kept in memory up to a byte budget, least recently used out
 * first. Files are content-addressed (keyed by team and SHA-256), so a cached copy can
 * never be stale — whoever may see a file is decided on every request, not here — and
 * several server instances each keep their own without anything to keep in step.
 */
export class BlobCache {
  private readonly entries = new Map<string, { mime: string; data: Buffer }>()
  private bytes = 0

  constructor(private readonly budget: number) {}

  get(team: string, sha256: string): { mime: string; data: Buffer } | undefined {
    const key = `${team}\u0000${sha256}`
    const hit = this.entries.get(key)
    if (hit) {
      // Map keeps insertion order: re-inserting makes it the most recently used.
      this.entries.delete(key)
      this.entries.set(key, hit)
    }
    return hit
  }

  set(team: string, sha256: string, value: { mime: string; data: Buffer }): void {
    if (value.data.length > this.budget / 8) return
    const key = `${team}\u0000${sha256}`
    if (this.entries.has(key)) return
    this.entries.set(key, value)
    this.bytes += value.data.length
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.budget) break
      this.entries.delete(k)
      this.bytes -= v.data.length
    }
  }
}
