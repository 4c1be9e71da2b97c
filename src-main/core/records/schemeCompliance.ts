import type { ComplianceFinding, SchemeRules } from '../../../src-shared/contracts/ledger'
import { SchemeRules as SchemeRulesSchema } from '../../../src-shared/contracts/ledger'
import type { Db } from '../db/connection'

/**
 * The compliance check of a commission scheme's rules, and the rates posting reads from
 * them (core/ledger/schemes.ts, core/ledger/posting.ts): here, beside the records, because
 * a version the team sends is checked by the same checker before this workstation takes it
 * (core/records/sync.ts), exactly as a manager's save is.
 */

/** Posting never pays more people than this for one sale, whatever a scheme says. */
export const MAX_TIERS = 2
/** Above this share of a sale going to commission, the check warns (it is not a legal line, a sanity one). */
const HIGH_TOTAL_BP = 4000
/** Commission that takes the whole sale leaves nothing for the goods: the sale is a pretext. */
export const WHOLE_SALE_BP = 10_000
/** A studio with thousands of products gets the first findings and a count, not a wall. */
const MAX_PRODUCT_FINDINGS = 30

/** A product's own rates, as the compliance check reads them. */
export interface ProductRates {
  sku: string
  name: string
  category: string
  bp: number
  mentorBp: number
}

/** Products that carry rates of their own (the rest follow the scheme). */
export function productsWithRates(db: Db): ProductRates[] {
  return db
    .prepare('SELECT sku, name, category, commission_bp AS bp, mentor_commission_bp AS mentorBp FROM products WHERE commission_bp > 0 OR mentor_commission_bp > 0 ORDER BY sku')
    .all() as ProductRates[]
}

const pct = (bp: number) => `${(bp / 100).toFixed(bp % 100 === 0 ? 0 : 2)}%`

/**
 * The compliance panel: each finding says what is wrong in plain Chinese, why it
 * matters (China's 禁止传销条例 art. 7, WeChat's platform rules — see the domain
 * brief), and what to do instead. Blocking findings refuse the save.
 */
export function checkScheme(rules: SchemeRules, products: ProductRates[] = []): ComplianceFinding[] {
  const findings: ComplianceFinding[] = []
  if (rules.tiers > MAX_TIERS) {
    findings.push({
      code: 'too_many_tiers',
      severity: 'blocking',
      field: 'tiers',
      title: `提成层级为 ${rules.tiers} 级，最多只能 2 级 / ${rules.tiers} commission tiers; at most 2`,
      explanation:
        '按上级的下级、下下级的销售计酬（团队计酬）是《禁止传销条例》第七条列明的传销行为；三级及以上、参与人数达 30 人即可被立案。微信也禁止通过其平台按下线销售层层计酬。只保留“卖货的人”和“他的师父”两级。' +
        ' / Paying uplines on their downlines’ sales (团队计酬) is one of the three acts named in art. 7 of China’s anti-pyramid regulation; 3+ levels with 30+ people is prosecuted, and WeChat bans multi-level commission. Keep the seller and their mentor only.',
    })
  }
  if (rules.perRecruitFen > 0) {
    findings.push({
      code: 'pays_per_recruit',
      severity: 'blocking',
      field: 'perRecruitFen',
      title: '按拉人头计酬 / pays per recruit',
      explanation:
        '按发展的人数给钱（拉人头）是《禁止传销条例》第七条列明的传销行为。佣金只能来自真实卖出的商品；想鼓励带新人，可以奖励新人的第一笔真实销售，或在关怀计划里安排培训。' +
        ' / Paying for the number of people recruited (拉人头) is named in art. 7. Commission may only come from real sales of goods; reward a new member’s first real sale or training instead.',
    })
  }
  if (rules.feeShareBp > 0) {
    findings.push({
      code: 'pays_on_fees',
      severity: 'blocking',
      field: 'feeShareBp',
      title: `会员费分成 ${pct(rules.feeShareBp)} / a share of membership fees is paid out`,
      explanation:
        '从新人交的会员费里给推荐人分钱，等于收取入门费并按拉人头计酬，是传销的典型特征。会员费只入账，不计佣金。' +
        ' / Sharing a newcomer’s membership fee with whoever recruited them is an entry fee paid out per recruit — the mark of a pyramid. Fees are booked, never commissionable.',
    })
  }
  if (rules.joinFeeRequired) {
    findings.push({
      code: 'fee_to_join',
      severity: 'blocking',
      field: 'joinFeeRequired',
      title: '加入需要先交费或先囤货 / joining requires a fee or a purchase',
      explanation:
        '以交纳费用或认购商品作为加入条件（入门费）是《禁止传销条例》第七条列明的行为。会员可以自愿买货、自愿缴费，但不能以此作为加入或拿佣金的前提。' +
        ' / Requiring a fee or a forced purchase to join (入门费) is named in art. 7. Members may buy or pay by choice, never as a condition to join or to earn.',
    })
  }
  const tiersPaid = Math.min(rules.tiers, MAX_TIERS)
  const levels = [0, 1, 2] as const
  const rows: { field: string; seller: readonly number[]; mentor: readonly number[] }[] = [
    { field: '', seller: rules.sellerBp, mentor: rules.mentorBp },
    ...rules.categories.map((c, i) => ({ field: `categories.${i}.`, seller: c.sellerBp, mentor: c.mentorBp })),
  ]
  // A product's own rates are checked as the scheme's are, at the rates posting would
  // really pay with them (see rateTable): the product's where the scheme lets it, the
  // scheme's row elsewhere.
  const rates = rateTable(rules)
  const productRows = rules.useProductRates
    ? products.map((p) => ({
        field: `products.${p.sku}`,
        label: `商品 ${p.name}（${p.sku}）`,
        labelEn: `product ${p.sku}`,
        seller: levels.map((l) => rates.seller(l + 1, p.category || null, p.bp)),
        mentor: levels.map((l) => rates.mentor(l + 1, p.category || null, p.mentorBp)),
      }))
    : []
  let productFindings = 0
  const all = [...rows.map((r) => ({ ...r, label: '', labelEn: '' })), ...productRows]
  for (const row of all) {
    const before = findings.length
    const of = row.label ? `${row.label}：` : ''
    const ofEn = row.labelEn ? `${row.labelEn}: ` : ''
    for (const l of levels) {
      const total = row.seller[l] + (tiersPaid >= 2 ? row.mentor[l] : 0)
      if (total >= WHOLE_SALE_BP) {
        findings.push({
          code: 'pays_whole_sale',
          severity: 'blocking',
          field: `${row.field}${row.label ? '' : 'sellerBp'}`,
          title: `${of}${l + 1} 级会员一笔销售合计提成 ${pct(total)}，等于整笔售价 / ${ofEn}${pct(total)} of a sale paid out at level ${l + 1}: the whole sale`,
          explanation:
            '提成拿走了全部售价，商品本身一分不值——这样的“销售”只是拉人的幌子，正是《禁止传销条例》要防的。请把卖货的人和师父的比例合计降到售价以内的合理水平。' +
            ' / Commission takes the whole price, so the goods are worth nothing: the sale is a pretext for recruiting, what art. 7 is about. Bring the seller’s and mentor’s rates together well below the price.',
        })
        break
      }
      if (total > HIGH_TOTAL_BP) {
        findings.push({
          code: 'high_total_share',
          severity: 'warning',
          field: `${row.field}${row.label ? '' : 'sellerBp'}`,
          title: `${of}${l + 1} 级会员一笔销售合计提成 ${pct(total)} / ${ofEn}${pct(total)} of a sale paid out at level ${l + 1}`,
          explanation:
            '提成占售价比例过高时，商品价格往往被抬高来养活提成，容易被认定为以销售为名、实为拉人。请核对定价与提成是否合理。' +
            ' / When commission eats this much of the price, prices tend to be inflated to fund it — check that pricing and commission are reasonable.',
        })
        break
      }
    }
    if (tiersPaid >= 2) {
      const upline = levels.find((l) => row.mentor[l] > row.seller[l])
      if (upline !== undefined) {
        findings.push({
          code: 'mentor_above_seller',
          severity: 'warning',
          field: `${row.field}${row.label ? '' : 'mentorBp'}`,
          title: `${of}师父拿得比卖货的人多（${upline + 1} 级）/ ${ofEn}the mentor earns more than the seller (level ${upline + 1})`,
          explanation:
            '师父的提成高于亲自卖货的人，会让大家去拉人而不是卖货，这正是团队计酬的风险所在。建议师父的比例明显低于卖货的人。' +
            ' / A mentor earning more than the seller rewards recruiting over selling — the risk behind 团队计酬. Keep the mentor’s rate well below the seller’s.',
        })
      }
    }
    if (row.label && findings.length > before) {
      // Past the cap, a product's findings are counted, not listed; blocking ones are always listed.
      if (++productFindings > MAX_PRODUCT_FINDINGS && !findings.slice(before).some((f) => f.severity === 'blocking')) findings.length = before
    }
  }
  if (productFindings > MAX_PRODUCT_FINDINGS) {
    findings.push({
      code: 'more_products',
      severity: 'warning',
      field: 'products',
      title: `另有 ${productFindings - MAX_PRODUCT_FINDINGS} 个商品的提成需要核对 / ${productFindings - MAX_PRODUCT_FINDINGS} more products to check`,
      explanation: '在商品页按佣金比例排序查看。 / Sort the products screen by commission to see them.',
    })
  }
  if (rules.tiers < 2 && rules.mentorBp.some((bp) => bp > 0)) {
    findings.push({
      code: 'mentor_rates_unused',
      severity: 'warning',
      field: 'mentorBp',
      title: '只有一级时不会给师父提成 / with one tier the mentor rates are not paid',
      explanation: '方案只有一级（卖货的人），师父的比例不会生效。 / The scheme pays the seller only; the mentor rates have no effect.',
    })
  }
  return findings
}

/**
 * Rate lookup for posting, built once per run. The scheme's row for the sale — its
 * category's when the scheme has one for the product's category, else the defaults —
 * gives the rate at each level (1–3). A product's own rate (products screen, product
 * import; 0 means "none, use the scheme") replaces the row's rate when the scheme uses
 * product rates, and only where the scheme pays that person at that level at all: a
 * scheme that gives level-1 mentors 0 is not overridden by a product's mentor rate, and
 * a one-tier scheme never pays a mentor.
 */
export function rateTable(rules: SchemeRules) {
  const byCategory = new Map(rules.categories.map((c) => [c.category, c]))
  const tiers = Math.min(rules.tiers, MAX_TIERS)
  const row = (category: string | null) => (category ? byCategory.get(category) : undefined) ?? rules
  const pick = (schemeBp: number, productBp: number) => (schemeBp > 0 && rules.useProductRates && productBp > 0 ? productBp : schemeBp)
  return {
    tiers,
    seller(level: number, category: string | null, productBp: number): number {
      return pick(row(category).sellerBp[level - 1] ?? 0, productBp)
    },
    mentor(level: number, category: string | null, productBp: number): number {
      if (tiers < 2) return 0
      return pick(row(category).mentorBp[level - 1] ?? 0, productBp)
    },
  }
}

/** Why the rules may not be saved or used, or null: the blocking findings of the compliance check, as one bilingual sentence. */
export function blockingFindings(db: Db, rules: SchemeRules): { message: string; findings: ComplianceFinding[] } | null {
  const findings = checkScheme(rules, productsWithRates(db))
  const blocking = findings.filter((f) => f.severity === 'blocking')
  if (!blocking.length) return null
  return {
    findings,
    message: `${blocking.map((f) => f.title.split(' / ')[0]).join('；')} / ${blocking.map((f) => f.title.split(' / ')[1] ?? f.code).join('; ')}`,
  }
}

/**
 * Why a version the team sent may not be used here, or null: it is checked as a manager's
 * save is. One the compliance check blocks (a rule this workstation's products break, a
 * client that skipped the check) is refused by the caller — not written, kept out of every
 * commission — with this reason among the sync's record issues.
 */
export function versionNotCompliant(db: Db, id: string): string | null {
  const row = db.prepare('SELECT name, version, rules FROM commission_scheme_versions WHERE id = ?').get(id) as { name: string; version: number; rules: string } | undefined
  if (!row) return null
  const rules = SchemeRulesSchema.safeParse(JSON.parse(row.rules))
  const blocked = rules.success ? blockingFindings(db, rules.data) : { message: '规则格式不对 / the rules are not a scheme’s rules', findings: [] }
  if (!blocked) return null
  return `团队的佣金方案「${row.name}」第 ${row.version} 版不合规，此工作站不采用、不用它计算佣金：${blocked.message.replace(' / ', ` / the team's commission scheme ${row.name} version ${row.version} is not compliant; this workstation does not take it or post commission with it: `)}`
}
