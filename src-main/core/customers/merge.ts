import { isDeepStrictEqual } from 'node:util'
import type { z } from 'zod'
import {
  JOINABLE_FIELDS,
  MERGE_FIELDS,
  type CustomerMerge,
  type DuplicateGroup,
  type DuplicateReason,
  type MergeChoice,
  type MergeField,
  MergeInput as MergeInputSchema,
  type MergePreview,
} from '../../../src-shared/contracts/duplicates'
import { OrchardError } from '../../../src-shared/errors'
import type { Customer } from '../../../src-shared/schemas'
import { appendAudit, type Actor } from '../audit/audit'
import type { Db } from '../db/connection'
import { CUSTOMER_MERGES, toCustomerMerge, type CustomerMergeRow, type MovedRows, type StoredRow } from '../db/tables/merges'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { recordChange, recordSetChange, type ChangeWriter } from '../records/changes'
import { recomputeRfm, refreshCustomerStats } from './derived'
import { normalizePhone } from './phone'
import {
  assertNoDuplicate,
  CUSTOMER_COLUMNS,
  customerLabel,
  fieldsOf,
  getCustomerRow,
  removeCustomer,
  toCustomer,
  updateCustomer,
  writeCustomerIndexes,
  type CustomerRow,
} from './repository'

/**
 * Duplicate customers: found in SQL (one grouped statement per reason, each visiting every
 * customer once — no customer is compared with every other), merged in one transaction
 * through the records' write path, and kept so the merge can be undone exactly.
 */

type Value = string | string[] | null

// ---------------------------------------------------------------- finding

/** What the customers of a group share, one grouped statement per reason. */
const KEYS: Record<DuplicateReason, string> = {
  // Phones are E.164 as the write path keeps them (read as they are); a number that came in as typed is compared by its E.164 form all the same.
  phone: `SELECT CASE WHEN p.value GLOB '+[1-9]*' AND NOT substr(p.value, 2) GLOB '*[^0-9]*' THEN p.value ELSE orchard_phone_key(p.value) END AS k,
            group_concat(DISTINCT c.id) AS ids, COUNT(DISTINCT c.id) AS n
          FROM customers c, json_each(c.phones) p GROUP BY k HAVING n > 1`,
  // WeChat ids are one per customer (a unique index) but not case- or space-blind: wxid_Wang and wxid_wang are one person.
  // The shared keys come from the index alone (customers_wechat_key), their customers after.
  wechat: `SELECT lower(trim(c.wechat_id)) AS k, group_concat(c.id) AS ids, COUNT(*) AS n FROM customers c
           WHERE c.wechat_id IS NOT NULL AND lower(trim(c.wechat_id)) IN (
             SELECT lower(trim(wechat_id)) FROM customers WHERE wechat_id IS NOT NULL GROUP BY lower(trim(wechat_id)) HAVING COUNT(*) > 1)
           GROUP BY lower(trim(c.wechat_id))`,
  nameAddress: `SELECT lower(trim(c.name)) || char(31) || lower(replace(replace(replace(a.value, ' ', ''), char(12288), ''), char(9), '')) AS k,
                  group_concat(DISTINCT c.id) AS ids, COUNT(DISTINCT c.id) AS n
                FROM customers c, json_each(c.addresses) a GROUP BY k HAVING n > 1`,
}
/** The SQL function the phone key calls, registered once on each connection that looks for duplicates. */
const withPhoneKey = new WeakSet<Db>()
function registerPhoneKey(db: Db): void {
  if (withPhoneKey.has(db)) return
  db.function('orchard_phone_key', { deterministic: true }, (raw) => {
    if (typeof raw !== 'string') return null
    const phone = normalizePhone(raw)
    return phone.ok ? phone.e164 : raw
  })
  withPhoneKey.add(db)
}

const REASON_ORDER: DuplicateReason[] = ['phone', 'wechat', 'nameAddress']

interface FoundGroup {
  ids: string[]
  reasons: { reason: DuplicateReason; key: string }[]
}

/** Every group of likely duplicates, customers sharing several things listed once with every reason. */
function allGroups(db: Db, only?: DuplicateReason): FoundGroup[] {
  registerPhoneKey(db)
  const byIds = new Map<string, FoundGroup>()
  for (const reason of REASON_ORDER) {
    if (only && reason !== only) continue
    for (const row of db.prepare(KEYS[reason]).all() as { k: string; ids: string }[]) {
      const ids = row.ids.split(',').sort()
      const key = ids.join(',')
      const group = byIds.get(key) ?? { ids, reasons: [] }
      group.reasons.push({ reason, key: row.k })
      byIds.set(key, group)
    }
  }
  // Phone first, then WeChat id, then name and address; within a reason, the earliest customers first.
  const rank = (g: FoundGroup) => REASON_ORDER.indexOf(g.reasons[0].reason)
  return [...byIds.values()].sort((a, b) => rank(a) - rank(b) || (a.ids[0] < b.ids[0] ? -1 : a.ids[0] > b.ids[0] ? 1 : 0))
}

export interface Masking {
  /** The customer as the role may see it. */
  customer(c: Customer): Customer
  phone(p: string): string
  wechat(w: string): string
  address(a: string): string
}

/** A page of duplicate groups, every value shown as the role sees it. */
export function findDuplicates(db: Db, q: { reason?: DuplicateReason; offset: number; limit: number }, mask: Masking): { rows: DuplicateGroup[]; total: number } {
  const groups = allGroups(db, q.reason)
  const page = groups.slice(q.offset, q.offset + q.limit)
  const ids = [...new Set(page.flatMap((g) => g.ids))]
  const rows = ids.length
    ? (db
        .prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers c LEFT JOIN members m ON m.id = c.owner_member_id WHERE c.id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(ids)) as CustomerRow[])
    : []
  const customers = new Map(rows.map((r) => [r.id, toCustomer(r)]))
  return {
    total: groups.length,
    rows: page.map((g) => {
      const members = g.ids.map((id) => customers.get(id)!).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      return {
        key: g.ids.join(','),
        reasons: g.reasons.map(({ reason, key }) => ({ reason, value: shownValue(reason, key, members, mask) })),
        customers: members.map((c) => mask.customer(c)),
      }
    }),
  }
}

/** The shared value as the first customer holds it (not the comparison key), masked as the role sees contacts. */
function shownValue(reason: DuplicateReason, key: string, members: Customer[], mask: Masking): string {
  const first = members[0]
  if (reason === 'phone') return mask.phone(key)
  if (reason === 'wechat') return mask.wechat(first.wechatId ?? key)
  const address = first.addresses.find((a) => addressKey(a) === key.split('\u001f')[1]) ?? first.addresses[0] ?? ''
  return `${mask.customer(first).name} · ${mask.address(address)}`
}

const addressKey = (a: string) => a.replace(/[ \u3000\t]/g, '').toLowerCase()

// ---------------------------------------------------------------- preview

type Fields = {
  name: string
  wechatId: string | null
  phones: string[]
  addresses: string[]
  tags: string[]
  relClass: Customer['relClass']
  segment: Customer['segment']
  ownerMemberId: string | null
  notes: string
}

const blank = (v: Value) => v === null || v === '' || (Array.isArray(v) && v.length === 0)

/** Lists joined without duplicates, the survivor's first; phones by number, addresses whatever their spaces. */
function joined(field: MergeField, s: Value, m: Value): Value {
  if (field === 'notes') return blank(s) ? m : blank(m) || s === m ? s : `${s as string}\n${m as string}`
  const keyOf = field === 'phones' ? (p: string) => { const n = normalizePhone(p); return n.ok ? n.e164 : p } : field === 'addresses' ? addressKey : (t: string) => t
  const out: string[] = []
  const seen = new Set<string>()
  for (const v of [...(s as string[]), ...(m as string[])]) {
    if (seen.has(keyOf(v))) continue
    seen.add(keyOf(v))
    out.push(v)
  }
  return out
}

function valueOf(field: MergeField, choice: MergeChoice, s: Value, m: Value): Value {
  return choice === 'survivor' ? s : choice === 'merged' ? m : joined(field, s, m)
}

/** The default: lists joined; otherwise the survivor's value when it has one, else the other's. */
function defaultChoice(field: MergeField, s: Value, m: Value): MergeChoice {
  if (JOINABLE_FIELDS.includes(field) && field !== 'notes') return 'both'
  return blank(s) && !blank(m) ? 'merged' : 'survivor'
}

interface Plan {
  survivor: Customer
  merged: Customer
  fields: MergePreview['fields']
  result: Fields
}

function planMerge(db: Db, input: z.output<typeof MergeInputSchema>): Plan {
  if (input.survivorId === input.mergedId) {
    throw new OrchardError('merge_same_customer', '不能把客户与自己合并 / a customer cannot be merged with itself', { field: 'mergedId', value: input.mergedId })
  }
  const survivor = getCustomerRow(db, input.survivorId)
  const merged = getCustomerRow(db, input.mergedId)
  const s = fieldsOf(survivor) as Fields
  const m = fieldsOf(merged) as Fields
  const result = { ...s }
  const fields = MERGE_FIELDS.map((field) => {
    const sv = s[field] as Value
    const mv = m[field] as Value
    const all: MergeChoice[] = JOINABLE_FIELDS.includes(field) ? ['survivor', 'merged', 'both'] : ['survivor', 'merged']
    const chosen = input.choices[field]
    if (chosen && !all.includes(chosen)) {
      throw new OrchardError('invalid_choice', `「${field}」只能二选一，不能合并两者 / ${field} takes one customer's value, not both`, { field: `choices.${field}`, value: chosen })
    }
    const choice = chosen ?? defaultChoice(field, sv, mv)
    const value = valueOf(field, choice, sv, mv)
    ;(result as Record<string, unknown>)[field] = value
    // The choices worth offering: those that give a different result.
    const options: MergeChoice[] = []
    const seen: Value[] = []
    for (const c of all) {
      const v = valueOf(field, c, sv, mv)
      if (seen.some((x) => isDeepStrictEqual(x, v))) continue
      seen.push(v)
      options.push(c)
    }
    return { field, survivor: sv, merged: mv, result: value, choice, options: options.length > 1 ? options : [] }
  })
  return { survivor, merged, fields, result }
}

/** The tables that point at customers, found in the schema itself, so a table added later follows a merge without being listed here. */
interface Reference {
  table: string
  column: string
  /** Columns that name a row (its primary key, else all of them). */
  key: string[]
}

/** The customer's own index rows: rebuilt from its fields, never moved. */
const OWN_INDEXES = new Set(['customer_phones', 'customer_tags'])

function customerReferences(db: Db): Reference[] {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]
  const out: Reference[] = []
  for (const table of tables) {
    if (OWN_INDEXES.has(table)) continue
    const fks = db.prepare(`SELECT "from" AS col, "table" AS target FROM pragma_foreign_key_list(?)`).all(table) as { col: string; target: string }[]
    const columns = db.prepare('SELECT name, pk FROM pragma_table_info(?) ORDER BY pk').all(table) as { name: string; pk: number }[]
    const pk = columns.filter((c) => c.pk > 0).map((c) => c.name)
    for (const fk of fks) if (fk.target === 'customers') out.push({ table, column: fk.col, key: pk.length ? pk : columns.map((c) => c.name) })
  }
  return out
}

/** An order's buyer moved from one customer to another by a merge or its undo, recorded as a change of the order. */
function recordOrderBuyer(w: ChangeWriter, order: StoredRow, from: string, to: string): void {
  recordChange(w, { record: 'order', id: String(order.id), label: String(order.order_no), op: 'update', before: { customerId: from }, after: { customerId: to } })
}

function recordPhotoCustomer(w: ChangeWriter, photo: StoredRow, from: string, to: string): void {
  recordChange(w, { record: 'buyerPhoto', id: String(photo.id), label: String(photo.caption || photo.id), op: 'update', before: { customerId: from }, after: { customerId: to } })
}

/** How the preview and the audit name what moved. */
export const MOVE_LABELS: Record<string, { zh: string; en: string }> = {
  orders: { zh: '订单', en: 'orders' },
  group_customers: { zh: '社群', en: 'groups' },
  buyer_photos: { zh: '买家秀', en: 'buyer photos' },
}
const moveLabel = (table: string) => MOVE_LABELS[table] ?? { zh: table, en: table }

function countMoves(db: Db, mergedId: string): { kind: string; count: number }[] {
  return customerReferences(db)
    .map((r) => ({ kind: r.table, count: (db.prepare(`SELECT COUNT(*) AS n FROM "${r.table}" WHERE "${r.column}" = ?`).get(mergedId) as { n: number }).n }))
    .filter((m) => m.count > 0)
}

/** Both customers' orders counted the way 消费总额 counts them (cancelled and pending orders left out, refunds taken off). */
function figuresOf(db: Db, ids: string[]): MergePreview['figures'] {
  const row = db
    .prepare(
      `SELECT COUNT(*) AS n, COALESCE(SUM(total_fen - refunded_fen), 0) AS spent, MAX(placed_at) AS last
       FROM orders WHERE customer_id IN (SELECT value FROM json_each(?)) AND status NOT IN ('cancelled', 'pending')`,
    )
    .get(JSON.stringify(ids)) as { n: number; spent: number; last: string | null }
  return { orderCount: row.n, totalSpentFen: row.spent, lastPurchaseAt: row.last }
}

export function previewMerge(db: Db, input: z.output<typeof MergeInputSchema>): MergePreview {
  const plan = planMerge(db, input)
  return {
    survivor: plan.survivor,
    merged: plan.merged,
    fields: plan.fields,
    moves: countMoves(db, plan.merged.id),
    figures: figuresOf(db, [plan.survivor.id, plan.merged.id]),
  }
}

// ---------------------------------------------------------------- merge and undo

const toStored = (row: Record<string, unknown>): StoredRow =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? { $blob: v.toString('base64') } : v]))
const fromStored = (v: unknown) =>
  v && typeof v === 'object' && '$blob' in (v as object) ? Buffer.from((v as { $blob: string }).$blob, 'base64') : v

const whereKey = (key: string[]) => key.map((k) => `"${k}" IS ?`).join(' AND ')

const toMerge = (row: CustomerMergeRow): CustomerMerge => toCustomerMerge(row, customerLabel)

function getMergeRow(db: Db, id: string): CustomerMergeRow {
  const row = db.prepare('SELECT * FROM customer_merges WHERE id = ?').get(id) as CustomerMergeRow | undefined
  if (!row) throw new OrchardError('not_found', `合并记录不存在 / merge not found: ${id}`, { field: 'mergeId', value: id })
  return row
}

export function listMerges(db: Db, q: { offset: number; limit: number }): { rows: CustomerMerge[]; total: number } {
  const total = (db.prepare('SELECT COUNT(*) AS n FROM customer_merges').get() as { n: number }).n
  const rows = db.prepare('SELECT * FROM customer_merges ORDER BY merged_at DESC, rowid DESC LIMIT ? OFFSET ?').all(q.limit, q.offset) as CustomerMergeRow[]
  return { rows: rows.map(toMerge), total }
}

const movesWords = (moves: { kind: string; count: number }[], lang: 'zh' | 'en') =>
  moves.length ? moves.map((m) => `${moveLabel(m.kind)[lang]} ${m.count}`).join(lang === 'zh' ? '、' : ', ') : lang === 'zh' ? '无关联记录' : 'nothing else'

/**
 * Merges `mergedId` into `survivorId` in one transaction: every row pointing at the
 * merged-away customer re-points to the survivor (or, where the survivor has its own — the
 * same group — gives way to it), the merged-away customer is deleted and the survivor takes
 * the chosen values, both through the write path (each changed field role-checked and
 * recorded), the survivor's figures are counted again, and the merge is kept and audited.
 */
export function mergeCustomers(w: ChangeWriter, actor: Actor, input: z.output<typeof MergeInputSchema>): { merge: CustomerMerge; customer: Customer } {
  const { db } = w
  return db.transaction(() => {
    const plan = planMerge(db, input)
    const survivorId = plan.survivor.id
    const mergedId = plan.merged.id
    const mergedRow = toStored(db.prepare('SELECT * FROM customers WHERE id = ?').get(mergedId) as Record<string, unknown>)

    const moved: MovedRows[] = customerReferences(db).map((ref) => {
      const rows = (db.prepare(`SELECT * FROM "${ref.table}" WHERE "${ref.column}" = ?`).all(mergedId) as Record<string, unknown>[]).map(toStored)
      const repoint = db.prepare(`UPDATE OR IGNORE "${ref.table}" SET "${ref.column}" = ? WHERE ${whereKey(ref.key)}`)
      return {
        ...ref,
        rows: rows.map((row) => ({ row, repointed: repoint.run(survivorId, ...ref.key.map((k) => fromStored(row[k]))).changes === 1 })),
      }
    })

    // The survivor joining the merged-away customer's groups is a change of those groups' sets, sent as any join is.
    for (const m of moved.filter((m) => m.table === 'group_customers')) {
      for (const { row } of m.rows.filter((r) => r.repointed)) recordSetChange(w, 'group', String(row.group_id), 'customers', 'add', [survivorId])
    }
    // An order's buyer is a field of the shared order: each order moved is a change of it, sent before the other customer's delete.
    for (const m of moved) {
      if (m.table !== 'orders') continue
      for (const { row, repointed } of m.rows) {
        if (repointed) recordOrderBuyer(w, row, mergedId, survivorId)
      }
    }
    // A buyer photo's customer is a field of the shared photo: each photo moved is a change of it.
    for (const { row, repointed } of moved.find((m) => m.table === 'buyer_photos')?.rows ?? []) {
      if (repointed) recordPhotoCustomer(w, row, mergedId, survivorId)
    }
    removeCustomer(w, mergedId, survivorId)
    const before = fieldsOf(plan.survivor) as Fields
    const patch = Object.fromEntries(MERGE_FIELDS.filter((f) => !isDeepStrictEqual(before[f], plan.result[f])).map((f) => [f, plan.result[f]]))
    const customer = Object.keys(patch).length ? updateCustomer(w, survivorId, patch) : plan.survivor
    refreshCustomerStats(db, [survivorId])
    recomputeRfm(db, w.at)

    const id = newId()
    const at = w.at.toISOString()
    insertRow(db, CUSTOMER_MERGES, {
      id,
      survivor_id: survivorId,
      merged_id: mergedId,
      merged_at: at,
      merged_by: actor.id,
      merged_by_name: actor.name,
      choices: JSON.stringify(Object.fromEntries(plan.fields.map((f) => [f.field, f.choice]))),
      survivor_before: JSON.stringify(before),
      survivor_after: JSON.stringify(fieldsOf(customer)),
      merged_row: JSON.stringify(mergedRow),
      moved: JSON.stringify(moved),
      undone_at: null,
      undone_by_name: null,
    })
    const merge = toMerge(getMergeRow(db, id))
    appendAudit(
      db,
      actor,
      {
        kind: 'customers.merged',
        entity: 'customer',
        entityId: survivorId,
        summary:
          `合并客户「${merge.mergedName}」到「${merge.survivorName}」：${movesWords(merge.moves, 'zh')} / ` +
          `customer ${merge.mergedName} merged into ${merge.survivorName}: ${movesWords(merge.moves, 'en')}`,
        // Which fields took the other's value, never the values (personal data).
        after: { mergeId: id, mergedId, fields: Object.keys(patch), moves: merge.moves, source: w.source },
      },
      w.at,
    )
    return { merge, customer: getCustomerRow(db, survivorId) }
  })()
}

/**
 * Undoes a merge exactly: the survivor's fields go back to what they were, the merged-away
 * customer comes back with its id, fields and history, and every row the merge re-pointed
 * points at it again. Refused, changing nothing, when the survivor has been changed since
 * (undoing would throw that change away) or the merge was undone already.
 */
export function undoMerge(w: ChangeWriter, actor: Actor, mergeId: string): { merge: CustomerMerge; survivor: Customer; restored: Customer } {
  const { db } = w
  return db.transaction(() => {
    const row = getMergeRow(db, mergeId)
    if (row.undone_at) {
      throw new OrchardError('merge_undone', `这次合并已于 ${row.undone_at} 撤销 / this merge was undone already (${row.undone_at})`, { mergeId, undoneAt: row.undone_at })
    }
    const survivor = db.prepare('SELECT 1 FROM customers WHERE id = ?').get(row.survivor_id)
      ? getCustomerRow(db, row.survivor_id)
      : null
    if (!survivor) {
      throw new OrchardError('merge_survivor_gone', '保留的客户已被删除或并入他人，请先撤销之后的合并 / the customer kept by this merge has been deleted or merged since; undo that first', {
        mergeId,
        customerId: row.survivor_id,
      })
    }
    const after = JSON.parse(row.survivor_after) as Fields
    const now = fieldsOf(survivor) as Fields
    const changed = MERGE_FIELDS.filter((f) => !isDeepStrictEqual(after[f], now[f]))
    if (changed.length) {
      throw new OrchardError(
        'merge_changed_since',
        `合并后客户「${customerLabel(survivor)}」又被修改过（${changed.join('、')}），撤销会丢掉这些修改 / ${customerLabel(survivor)} was changed after the merge (${changed.join(', ')}); undoing would lose those changes`,
        { mergeId, customerId: survivor.id, fields: changed },
      )
    }
    if (db.prepare('SELECT 1 FROM customers WHERE id = ?').get(row.merged_id)) {
      throw new OrchardError('merge_customer_exists', '被合并的客户已经存在 / the merged-away customer exists again', { mergeId, customerId: row.merged_id })
    }

    // The survivor first: it gives back the phones and WeChat id the other comes back with.
    const before = JSON.parse(row.survivor_before) as Fields
    const patch = Object.fromEntries(MERGE_FIELDS.filter((f) => !isDeepStrictEqual(before[f], now[f])).map((f) => [f, before[f]]))
    if (Object.keys(patch).length) updateCustomer(w, survivor.id, patch)

    const stored = JSON.parse(row.merged_row) as StoredRow
    const phones = JSON.parse(stored.phones as string) as string[]
    const tags = JSON.parse(stored.tags as string) as string[]
    assertNoDuplicate(db, phones, stored.wechat_id as string | null, null)
    const existing = new Set((db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('customers') as string[]))
    const columns = Object.keys(stored).filter((c) => existing.has(c))
    db.prepare(`INSERT INTO customers (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...columns.map((c) => fromStored(stored[c])))
    writeCustomerIndexes(db, row.merged_id, phones, tags)
    const restoredNow = getCustomerRow(db, row.merged_id)
    recordChange(w, { record: 'customer', id: restoredNow.id, label: customerLabel(restoredNow), op: 'create', after: fieldsOf(restoredNow) })

    for (const m of JSON.parse(row.moved) as MovedRows[]) {
      // The row as the merge left it: its customer column holds the survivor, or nothing once it gave way.
      const keyValues = (r: StoredRow, now: string | null) => m.key.map((k) => (k === m.column ? now : fromStored(r[k])))
      const back = db.prepare(`UPDATE "${m.table}" SET "${m.column}" = ? WHERE ${whereKey(m.key)}`)
      const insert = (r: StoredRow) => {
        const cols = Object.keys(r)
        db.prepare(`INSERT OR IGNORE INTO "${m.table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => fromStored(r[c])))
      }
      const keyed = m.key.includes(m.column)
      for (const { row: r, repointed } of m.rows) {
        // A row deleted since the merge (an order erased, a group left) stays gone.
        if (repointed) {
          if (back.run(row.merged_id, ...keyValues(r, row.survivor_id)).changes === 1 && m.table === 'orders') recordOrderBuyer(w, r, row.survivor_id, row.merged_id)
          else if (m.table === 'buyer_photos' && db.prepare('SELECT 1 FROM buyer_photos WHERE id = ? AND customer_id = ?').get(r.id, row.merged_id)) recordPhotoCustomer(w, r, row.survivor_id, row.merged_id)
        }
        // A row that gave way to the survivor's own went with the customer (cascade) or was left pointing at no one (set null).
        else if (keyed || back.run(row.merged_id, ...keyValues(r, null)).changes === 0) insert(r)
        if (m.table !== 'group_customers') continue
        // The groups' sets follow: the customer back in each, the survivor out of the ones it joined by the merge.
        const group = String(r.group_id)
        if (!db.prepare('SELECT 1 FROM group_customers WHERE group_id = ? AND customer_id = ?').get(group, row.merged_id)) continue
        recordSetChange(w, 'group', group, 'customers', 'add', [row.merged_id])
        if (repointed) recordSetChange(w, 'group', group, 'customers', 'remove', [row.survivor_id])
      }
    }
    refreshCustomerStats(db, [survivor.id, row.merged_id])
    recomputeRfm(db, w.at)

    const at = w.at.toISOString()
    db.prepare('UPDATE customer_merges SET undone_at = ?, undone_by_name = ? WHERE id = ?').run(at, actor.name, mergeId)
    const merge = toMerge(getMergeRow(db, mergeId))
    appendAudit(
      db,
      actor,
      {
        kind: 'customers.unmerged',
        entity: 'customer',
        entityId: row.merged_id,
        summary:
          `撤销合并：客户「${merge.mergedName}」从「${merge.survivorName}」中恢复：${movesWords(merge.moves, 'zh')} / ` +
          `merge undone: customer ${merge.mergedName} restored from ${merge.survivorName}: ${movesWords(merge.moves, 'en')}`,
        after: { mergeId, survivorId: survivor.id, source: w.source },
      },
      w.at,
    )
    return { merge, survivor: getCustomerRow(db, survivor.id), restored: getCustomerRow(db, row.merged_id) }
  })()
}
