import type { ComplianceFinding, Scheme, SchemeRules } from '../../../src-shared/contracts/ledger'
import { SchemeRules as SchemeRulesSchema } from '../../../src-shared/contracts/ledger'
import { OrchardError } from '../../../src-shared/errors'
import type { Db } from '../db/connection'
import { newId } from '../ids'

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

interface SchemeRow {
  id: string
  name: string
  current_version: number
  active: number
  updated_at: string
  rules: string
}

const SELECT_SCHEME = `SELECT s.id, s.name, s.current_version, s.active, s.updated_at, v.rules
  FROM commission_schemes s JOIN commission_scheme_versions v ON v.scheme_id = s.id AND v.version = s.current_version`

function toScheme(r: SchemeRow): Scheme {
  return { id: r.id, name: r.name, active: r.active === 1, version: r.current_version, rules: SchemeRulesSchema.parse(JSON.parse(r.rules)), updatedAt: r.updated_at }
}

export function listSchemes(db: Db): Scheme[] {
  return (db.prepare(`${SELECT_SCHEME} ORDER BY s.active DESC, s.updated_at DESC`).all() as SchemeRow[]).map(toScheme)
}

/** The scheme new sales are posted with, or null when the studio has none yet. */
export function activeScheme(db: Db): Scheme | null {
  const row = db.prepare(`${SELECT_SCHEME} WHERE s.active = 1`).get() as SchemeRow | undefined
  return row ? toScheme(row) : null
}

export function schemeVersions(db: Db, id: string) {
  const rows = db
    .prepare('SELECT scheme_id, version, name, rules, note, created_at, created_by FROM commission_scheme_versions WHERE scheme_id = ? ORDER BY version DESC')
    .all(id) as { scheme_id: string; version: number; name: string; rules: string; note: string; created_at: string; created_by: string }[]
  if (!rows.length) throw new OrchardError('not_found', `没有这个佣金方案 / no such commission scheme: ${id}`, { field: 'id', value: id })
  return rows.map((r) => ({
    schemeId: r.scheme_id,
    version: r.version,
    name: r.name,
    rules: SchemeRulesSchema.parse(JSON.parse(r.rules)),
    note: r.note,
    createdAt: r.created_at,
    createdBy: r.created_by,
  }))
}

/**
 * Saves the rules as a new version (versions are never edited: entries name the
 * version they were computed with). Blocking findings refuse the save.
 */
export function saveScheme(
  db: Db,
  input: { id?: string; name: string; rules: SchemeRules; note: string; activate: boolean },
  by: string,
  now: string,
): Scheme {
  const findings = checkScheme(input.rules, productsWithRates(db))
  const blocking = findings.filter((f) => f.severity === 'blocking')
  if (blocking.length) {
    throw new OrchardError(
      'scheme_not_compliant',
      `佣金方案不合规，未保存：${blocking.map((f) => f.title.split(' / ')[0]).join('；')} / the scheme was not saved: ${blocking.map((f) => f.title.split(' / ')[1] ?? f.code).join('; ')}`,
      { field: blocking[0].field, findings },
    )
  }
  return db.transaction(() => {
    let id = input.id
    let version = 1
    if (id) {
      const cur = db.prepare('SELECT current_version FROM commission_schemes WHERE id = ?').get(id) as { current_version: number } | undefined
      if (!cur) throw new OrchardError('not_found', `没有这个佣金方案 / no such commission scheme: ${id}`, { field: 'id', value: id })
      version = cur.current_version + 1
    } else {
      id = newId()
      db.prepare('INSERT INTO commission_schemes (id, name, current_version, active, created_at, updated_at) VALUES (?, ?, 0, 0, ?, ?)').run(id, input.name, now, now)
    }
    db.prepare('INSERT INTO commission_scheme_versions (scheme_id, version, name, rules, note, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      id,
      version,
      input.name,
      JSON.stringify(input.rules),
      input.note,
      now,
      by,
    )
    if (input.activate) db.prepare('UPDATE commission_schemes SET active = 0 WHERE active = 1 AND id <> ?').run(id)
    db.prepare('UPDATE commission_schemes SET name = ?, current_version = ?, updated_at = ?, active = CASE WHEN ? THEN 1 ELSE active END WHERE id = ?').run(
      input.name,
      version,
      now,
      input.activate ? 1 : 0,
      id,
    )
    return toScheme(db.prepare(`${SELECT_SCHEME} WHERE s.id = ?`).get(id) as SchemeRow)
  })()
}

/** The studio's default: honest, two tiers, the mentor well below the seller. */
export const DEFAULT_SCHEME_RULES: SchemeRules = {
  tiers: 2,
  sellerBp: [1000, 1200, 1500],
  mentorBp: [0, 200, 300],
  categories: [],
  useProductRates: true,
  perRecruitFen: 0,
  feeShareBp: 0,
  joinFeeRequired: false,
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
