/**
 * A small seeded random source for the demo studio. The same seed gives the same
 * studio on every machine and every Node version (Math.random and faker's internals
 * make no such promise), ids included.
 */
export class Random {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    // splitmix32 spreads a small integer seed over the generator's 128-bit state.
    let s = seed >>> 0
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
  }

  /** sfc32: fast, well-mixed 32-bit output. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0
    this.c = (this.c + t) >>> 0
    return t
  }

  /** [0, 1) */
  next(): number {
    return this.uint32() / 4294967296
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }

  /** A few distinct items. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = items.slice()
    const out: T[] = []
    for (let i = 0; i < count && pool.length > 0; i++) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0])
    return out
  }

  /** Roughly normal (sum of uniforms), clamped to [min, max]. */
  around(mean: number, spread: number, min: number, max: number): number {
    const z = this.next() + this.next() + this.next() - 1.5
    return Math.min(max, Math.max(min, mean + z * 2 * spread))
  }

  /** A fork with its own stream, so adding draws in one part of the studio leaves the others unchanged. */
  fork(label: string): Random {
    let h = this.uint32()
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0
    return new Random(h)
  }
}

/** Picks by weight in O(log n): build once, draw many times. */
export class WeightedPicker<T> {
  private readonly cumulative: Float64Array
  private readonly total: number

  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    this.cumulative = new Float64Array(weights.length)
    let sum = 0
    weights.forEach((w, i) => {
      sum += Math.max(0, w)
      this.cumulative[i] = sum
    })
    this.total = sum
  }

  pickIndex(random: Random): number {
    const target = random.next() * this.total
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cumulative[mid] > target) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  pick(random: Random): T {
    return this.items[this.pickIndex(random)]
  }
}

export function weighted<T>(random: Random, entries: readonly (readonly [T, number])[]): T {
  let total = 0
  for (const [, w] of entries) total += w
  let target = random.next() * total
  for (const [value, w] of entries) {
    target -= w
    if (target < 0) return value
  }
  return entries[entries.length - 1][0]
}

const HEX = '0123456789abcdef'

/**
 * A UUIDv7-shaped id whose time part is the record's own time and whose random
 * part comes from the seeded stream: time-ordered like newId(), yet reproducible.
 */
export function demoId(random: Random, at: number): string {
  const ms = Math.max(0, Math.floor(at))
  const hi = Math.floor(ms / 0x10000)
  const lo = ms % 0x10000
  const t = hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(4, '0')
  const r1 = random.uint32()
  const r2 = random.uint32()
  const r3 = random.uint32()
  let rand = ''
  for (const word of [r1, r2, r3]) rand += word.toString(16).padStart(8, '0')
  // 7xxx: version; [89ab]xxx: RFC 4122 variant.
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${rand.slice(0, 3)}-${HEX[8 + (r3 & 3)]}${rand.slice(3, 6)}-${rand.slice(6, 18)}`
}
