/**
 * Whole-fen splits shared by the ledger (a refund over an order's lines) and the order
 * import (an order's discounts over its lines): one rule, so the two always agree.
 */

/**
 * Splits a refund over an order's lines in proportion to their amounts, in whole fen:
 * each line gets the integer part of its share, and the fen left over go one each to
 * the lines with the largest remainders, equal remainders to the earlier line. The
 * remainders are compared as integers (amount × refund mod total), never as fractions,
 * so equal shares are equal; the parts always add up to the refund exactly.
 */
export function allocateRefund(amounts: number[], refundedFen: number): number[] {
  const total = amounts.reduce((a, b) => a + b, 0)
  const refund = Math.min(Math.max(refundedFen, 0), total)
  if (refund === 0 || total === 0) return amounts.map(() => 0)
  if (refund === total) return [...amounts]
  const exact = Math.max(...amounts) * refund <= Number.MAX_SAFE_INTEGER
  const parts: number[] = []
  const remainders: (number | bigint)[] = []
  for (const a of amounts) {
    if (exact) {
      parts.push(Math.floor((a * refund) / total))
      remainders.push((a * refund) % total)
    } else {
      const p = BigInt(a) * BigInt(refund)
      parts.push(Number(p / BigInt(total)))
      remainders.push(p % BigInt(total))
    }
  }
  let left = refund - parts.reduce((a, b) => a + b, 0)
  const order = amounts.map((_, i) => i).sort((i, j) => (remainders[j] > remainders[i] ? 1 : remainders[j] < remainders[i] ? -1 : i - j))
  for (const i of order) {
    if (left === 0) break
    parts[i]++
    left--
  }
  return parts
}
