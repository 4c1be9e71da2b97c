import { OrchardError } from '../../../src-shared/errors'
import type { Statement } from 'better-sqlite3'
import type { Db } from '../db/connection'
import { CUSTOMER_PHONES, CUSTOMER_TAGS, indexCustomerLists, type CustomerTableRow } from '../db/tables/customers'
import { insertRowIfNew } from '../db/tables/table'
import { dropIndexes, duplicateReason, idSource, memberCodes, remembered, restoreIndexes, type ImportJob, type ImportPlan, type IndexDefinition } from './job'
import { normalizePhoneCell } from './phones'
import { CellError, parseRelClass, parseSegment, splitAddresses, splitPhones, splitTags, unquote } from './values'

/** 10 parameters a row keeps a statement well under SQLite's 32,766-parameter limit. */
const ROWS_PER_INSERT = 100
const INSERT_COLUMNS = 10
/** owner_member_id among the INSERT parameters and among the UPDATE ones. */
const OWNER_COLUMN = 8
const UPDATE_OWNER = 7

// The limits the console's customer form keeps (src-shared/schemas.ts CustomerInput).
const MAX = { name: 60, wechatId: 64, notes: 2000, phones: 5, addresses: 10, address: 200, tags: 30, tag: 20 }

function readPhones(value: string): string[] {
  const out: string[] = []
  for (const part of splitPhones(value)) {
    const r = normalizePhoneCell(part)
    if (!r.ok) throw new CellError('invalid_phone', `${r.reason}：${part}`)
    if (!out.includes(r.e164)) out.push(r.e164)
  }
  if (out.length > MAX.phones) throw new CellError('too_many', `最多 ${MAX.phones} 个号码 / at most ${MAX.phones} phone numbers`)
  return out
}

function readAddresses(value: string): string[] {
  const list = splitAddresses(value)
  if (list.length > MAX.addresses) throw new CellError('too_many', `最多 ${MAX.addresses} 个地址 / at most ${MAX.addresses} addresses`)
  if (list.some((a) => a.length > MAX.address)) throw new CellError('too_long', `单个地址最多 ${MAX.address} 个字 / an address is at most ${MAX.address} characters`)
  return list
}

function readTags(value: string): string[] {
  const list = splitTags(value)
  if (list.length > MAX.tags) throw new CellError('too_many', `最多 ${MAX.tags} 个标签 / at most ${MAX.tags} tags`)
  const long = list.find((t) => t.length > MAX.tag)
  if (long) throw new CellError('too_long', `标签「${long}」超过 ${MAX.tag} 个字 / a tag is at most ${MAX.tag} characters`)
  return list
}

/** One cell may name several groups; a group's name may hold spaces, so only these separate them. */
const GROUP_SEPARATORS = /[,，、;；|\n]/

/**
 * Reads a 所属群 cell: each part is a group's id or its name. A name two groups share is
 * refused (the id says which), as is one no group has — naming the value either way.
 */
function groupReader(db: Db): (cell: string) => string[] {
  const byId = new Set<string>()
  const byName = new Map<string, string[]>()
  for (const g of db.prepare('SELECT id, name FROM groups').iterate() as Iterable<{ id: string; name: string }>) {
    byId.add(g.id)
    const name = g.name.trim()
    byName.set(name, [...(byName.get(name) ?? []), g.id])
  }
  return (cell) => {
    const ids: string[] = []
    for (const part of cell.split(GROUP_SEPARATORS).map((p) => p.trim()).filter(Boolean)) {
      const named = byName.get(part) ?? []
      const id = byId.has(part) ? part : named.length === 1 ? named[0] : undefined
      if (named.length > 1 && !byId.has(part)) {
        throw new CellError('ambiguous_group', `有 ${named.length} 个社群都叫「${part}」，请填写社群 ID / ${named.length} groups are named ${part}: give the group's id`)
      }
      if (!id) throw new CellError('unknown_group', `没有名称或 ID 为「${part}」的社群 / no group is named ${part} or has that id`)
      if (!ids.includes(id)) ids.push(id)
    }
    return ids
  }
}

/** A customer's row as an import merges into it (getRow's columns). */
type ExistingCustomer = Pick<CustomerTableRow, 'id' | 'name' | 'wechat_id' | 'phones' | 'addresses' | 'tags' | 'rel_class' | 'segment' | 'owner_member_id' | 'notes'>

/**
 * Finds the studio's customers by phone or WeChat id. A file that is a sizeable
 * part of the book loads every phone and WeChat id into memory once; a few rows
 * against a large book ask the indexes row by row instead.
 */
function customerLookup(db: Db, fileRows: number): { byPhone(phone: string): string | undefined; byWechat(id: string): string | undefined } | null {
  const size = (db.prepare('SELECT COALESCE(MAX(rowid), 0) AS n FROM customers').get() as { n: number }).n
  // A studio without customers has nobody to match.
  if (size === 0) return null
  if (fileRows * 20 >= size) {
    const phones = new Map<string, string>()
    for (const r of db.prepare('SELECT phone, customer_id FROM customer_phones').raw().iterate() as Iterable<[string, string]>) phones.set(r[0], r[1])
    const wechats = new Map<string, string>()
    for (const r of db.prepare('SELECT wechat_id, id FROM customers WHERE wechat_id IS NOT NULL').raw().iterate() as Iterable<[string, string]>) wechats.set(r[0], r[1])
    return { byPhone: (p) => phones.get(p), byWechat: (w) => wechats.get(w) }
  }
  const phone = db.prepare('SELECT customer_id FROM customer_phones WHERE phone = ?').pluck()
  const wechat = db.prepare('SELECT id FROM customers WHERE wechat_id = ?').pluck()
  return { byPhone: (p) => phone.get(p) as string | undefined, byWechat: (w) => wechat.get(w) as string | undefined }
}

const union = (a: string[], b: string[]) => {
  if (b.every((x) => a.includes(x))) return a
  const out = [...a]
  for (const x of b) if (!out.includes(x)) out.push(x)
  return out
}

/**
 * Columns every new customer of an import has the same value in: the run's
 * timestamp, and the figures derived from orders, which start empty. An index on
 * them alone takes the new rows at one end (ties are ordered by rowid), which costs
 * about what rebuilding it would.
 */
const SAME_FOR_NEW_ROWS = new Set(['created_at', 'updated_at', 'last_purchase_at', 'total_spent_fen', 'order_count', 'rfm_segment'])
const sameForNewRows = (columns: string[]) => columns.every((c) => SAME_FOR_NEW_ROWS.has(c))

/** A tag cell read once per distinct text: a studio's tag columns hold a few dozen combinations over thousands of rows. */
interface TagCell {
  list: string[]
  json: string
}

/** JSON of a list of E.164 numbers (a plus and digits: nothing to escape). */
const phonesJson = (phones: string[]) => (phones.length === 0 ? '[]' : phones.length === 1 ? `["${phones[0]}"]` : `["${phones.join('","')}"]`)

/**
 * Customers: validated and normalised row by row, matched to the studio's
 * customers by any of their phones or their WeChat id. A match is updated only
 * where the file says something new (lists grow, an empty cell never clears
 * what the studio already has); an identical row counts as unchanged and is not
 * touched, so importing the same file twice changes nothing.
 *
 * `stream`, when given, takes the new customers of each batch before the next one is
 * read: the import thread hands them over while it validates the next ones, so they
 * are never all in memory at once. The plan's `inserts` are those not handed over yet.
 */
export async function planCustomers(job: ImportJob, stream?: (inserts: unknown[]) => void): Promise<CustomerPlan> {
  const { db, table } = job
  const lookup = customerLookup(db, job.reader.estimatedRows())
  const codes = job.mapped('owner') ? memberCodes(db) : new Map<string, string>()
  const readOwner = remembered((s: string) => {
    const id = codes.get(s.toUpperCase())
    if (!id) throw new CellError('unknown_member', '没有会员使用这个邀请码 / no member has this invite code')
    return id
  })
  const readClass = remembered(parseRelClass)
  const readSegment = remembered(parseSegment)
  const readTagCell = remembered((s: string): TagCell => {
    const list = readTags(s)
    return { list, json: JSON.stringify(list) }
  })
  const readGroups = job.mapped('groups') ? remembered(groupReader(db)) : null
  const inGroup = db.prepare('SELECT 1 FROM group_customers WHERE group_id = ? AND customer_id = ?').pluck()
  const groupJoins: [string, string][] = []
  /** Known customers whose only change is joining a group. */
  let joinedOnly = 0
  const getRow = db.prepare('SELECT id, name, wechat_id, phones, addresses, tags, rel_class, segment, owner_member_id, notes FROM customers WHERE id = ?')
  const nextId = idSource()

  const firstRowOfPhone = new Map<string, number>()
  const firstRowOfWechat = new Map<string, number>()
  const firstRowOfCustomer = new Map<string, number>()
  // New customers as their INSERT parameters, INSERT_COLUMNS per row one after another
  // (phones and tags are indexed from the JSON columns in SQL).
  let inserts: unknown[] = []
  let inserted = 0
  const updates: CustomerUpdate[] = []
  let unchanged = 0
  let rejected = 0

  const col = {
    name: job.columnOf('name'),
    wechatId: job.columnOf('wechatId'),
    phones: job.columnOf('phones'),
    addresses: job.columnOf('addresses'),
    tags: job.columnOf('tags'),
    relClass: job.columnOf('relClass'),
    segment: job.columnOf('segment'),
    owner: job.columnOf('owner'),
    notes: job.columnOf('notes'),
  }
  const noPhones: string[] = []
  for (;;) {
    if (stream && inserts.length) {
      stream(inserts)
      inserts = []
    }
    if (!(await job.nextBatch())) break
    const rows = table.rows
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]
      const errorsBefore = job.errorCount

      // The cells in the order their errors are reported: name, WeChat id, phones, addresses, tags, class, segment, owner, notes.
      let name: string | undefined = col.name < 0 ? '' : unquote(row[col.name])
      if (name === '') {
        job.reject(i, 'name', '', 'required', '必填项为空 / required value is empty')
        name = undefined
      } else if (!job.plain(i, 'name', name)) {
        name = undefined
      } else if (name.length > MAX.name) {
        job.reject(i, 'name', name, 'too_long', `内容过长（最多 ${MAX.name} 个字）/ longer than ${MAX.name} characters`)
        name = undefined
      }
      let wechatId: string | undefined = col.wechatId < 0 ? '' : unquote(row[col.wechatId])
      if (wechatId === '') wechatId = undefined
      else if (!job.plain(i, 'wechatId', wechatId)) wechatId = undefined
      else if (wechatId.length > MAX.wechatId) {
        job.reject(i, 'wechatId', wechatId, 'too_long', `内容过长（最多 ${MAX.wechatId} 个字）/ longer than ${MAX.wechatId} characters`)
        wechatId = undefined
      }
      const phones = col.phones < 0 ? noPhones : (job.read(row, i, 'phones', readPhones) ?? noPhones)
      let addressesJson = '[]'
      if (col.addresses >= 0) {
        const cell = unquote(row[col.addresses])
        if (cell !== '' && job.plain(i, 'addresses', cell)) {
          if (cell.indexOf('|') < 0 && cell.indexOf('\n') < 0) {
            // One address (what splitAddresses gives for a cell without separators).
            const address = cell.trim()
            if (address.length > MAX.address) job.reject(i, 'addresses', cell, 'too_long', `单个地址最多 ${MAX.address} 个字 / an address is at most ${MAX.address} characters`)
            else if (address) addressesJson = JSON.stringify([address])
          } else {
            const list = job.read(row, i, 'addresses', readAddresses)
            if (list) addressesJson = JSON.stringify(list)
          }
        }
      }
      const tags = col.tags < 0 ? undefined : job.read(row, i, 'tags', readTagCell)
      const relClass = col.relClass < 0 ? undefined : job.read(row, i, 'relClass', readClass)
      const segment = col.segment < 0 ? undefined : job.read(row, i, 'segment', readSegment)
      const owner = col.owner < 0 ? undefined : job.read(row, i, 'owner', readOwner)
      let notes: string | undefined
      if (col.notes >= 0) {
        const cell = unquote(row[col.notes])
        if (cell !== '' && job.plain(i, 'notes', cell)) {
          notes = cell
          if (notes.length > MAX.notes) job.reject(i, 'notes', notes, 'too_long', `备注最多 ${MAX.notes} 个字 / notes are at most ${MAX.notes} characters`)
        }
      }
      const groups = readGroups ? job.read(row, i, 'groups', readGroups) : undefined

      // Duplicates within the file name the row that came first.
      let duplicate = false
      for (const p of phones) {
        const first = firstRowOfPhone.get(p)
        if (first === undefined || duplicate) continue
        job.reject(i, 'phones', job.cell(row, 'phones'), 'duplicate_in_file', duplicateReason('手机号', first))
        duplicate = true
      }
      if (wechatId) {
        const first = firstRowOfWechat.get(wechatId)
        if (first !== undefined) {
          job.reject(i, 'wechatId', wechatId, 'duplicate_in_file', duplicateReason('微信号', first))
          duplicate = true
        }
      }

      // Which of the studio's customers this row is: every phone and the WeChat id must agree.
      let existingId: string | undefined
      let conflict = false
      if (lookup) {
        for (const p of phones) {
          const id = lookup.byPhone(p)
          if (id === undefined) continue
          if (existingId !== undefined && existingId !== id) conflict = true
          existingId = id
        }
        if (wechatId) {
          const id = lookup.byWechat(wechatId)
          if (id !== undefined && existingId !== undefined && id !== existingId) conflict = true
          existingId ??= id
        }
        const keyField = phones.length ? 'phones' : 'wechatId'
        if (conflict) {
          job.reject(i, keyField, job.cell(row, keyField), 'conflicting_customers',
            '这些手机号和微信号分属不同的客户，请先在客户页核对 / the phones and WeChat id belong to different customers')
        } else if (existingId !== undefined && !duplicate) {
          const first = firstRowOfCustomer.get(existingId)
          if (first !== undefined) job.reject(i, keyField, job.cell(row, keyField), 'duplicate_in_file', duplicateReason('客户', first))
        }
      }

      if (job.errorCount > errorsBefore) {
        rejected++
        continue
      }
      const rowNo = table.rowNumbers[i]
      for (const p of phones) firstRowOfPhone.set(p, rowNo)
      if (wechatId) firstRowOfWechat.set(wechatId, rowNo)

      if (existingId === undefined) {
        inserted++
        const id = nextId()
        if (groups) for (const g of groups) groupJoins.push([id, g])
        inserts.push(id, name, wechatId ?? null, phonesJson(phones), addressesJson, tags ? tags.json : '[]', relClass ?? 'C', segment ?? null, owner ?? null, notes ?? '')
        continue
      }
      firstRowOfCustomer.set(existingId, rowNo)
      const joins = groups ? groups.filter((g) => !inGroup.get(g, existingId)) : []
      for (const g of joins) groupJoins.push([existingId, g])
      const addresses = JSON.parse(addressesJson) as string[]
      const cur = getRow.get(existingId) as ExistingCustomer
      const curPhones = JSON.parse(cur.phones) as string[]
      const curTags = JSON.parse(cur.tags) as string[]
      const nextPhones = union(curPhones, phones)
      const nextTags = union(curTags, tags ? tags.list : [])
      const next = {
        name: name!,
        wechat_id: wechatId ?? cur.wechat_id,
        phones: nextPhones === curPhones ? cur.phones : JSON.stringify(nextPhones),
        addresses: JSON.stringify(union(JSON.parse(cur.addresses) as string[], addresses)),
        tags: nextTags === curTags ? cur.tags : JSON.stringify(nextTags),
        rel_class: relClass ?? cur.rel_class,
        segment: segment ?? cur.segment,
        owner_member_id: owner ?? cur.owner_member_id,
        notes: notes ?? cur.notes,
      }
      if (
        next.name === cur.name && next.wechat_id === cur.wechat_id && next.phones === cur.phones && next.addresses === cur.addresses &&
        next.tags === cur.tags && next.rel_class === cur.rel_class && next.segment === cur.segment &&
        next.owner_member_id === cur.owner_member_id && next.notes === cur.notes
      ) {
        if (joins.length) joinedOnly++
        else unchanged++
        continue
      }
      updates.push({
        id: existingId,
        values: [next.name, next.wechat_id, next.phones, next.addresses, next.tags, next.rel_class, next.segment, next.owner_member_id, next.notes, job.now, existingId],
        phones: next.phones === cur.phones ? null : nextPhones,
        tags: next.tags === cur.tags ? null : nextTags,
      })
    }
  }

  return {
    inserted,
    updated: updates.length + joinedOnly,
    unchanged,
    rejectedRows: rejected,
    unattributedOrders: 0,
    entities: groupJoins.length ? ['customers', 'groups'] : ['customers'],
    inserts,
    updates,
    groupJoins,
    write: () => {
      const writer = new CustomerWriter(db, job.now, inserted)
      writer.insert(inserts)
      writer.finish(updates)
    },
  }
}

/** A known customer the import changes: its UPDATE parameters and the phones and tags it gains (null: unchanged). */
export interface CustomerUpdate {
  values: unknown[]
  id: string
  phones: string[] | null
  tags: string[] | null
}

export interface CustomerPlan extends ImportPlan {
  /** New customers not yet handed to `stream`, as flat INSERT parameters. */
  inserts: unknown[]
  updates: CustomerUpdate[]
}

/**
 * Writes a customer import inside the run's transaction: new customers as they
 * come (many rows per statement), then the updates, the phone and tag indexes of
 * the new rows, and the secondary indexes when they were dropped for a bulk load.
 */
export class CustomerWriter {
  private readonly before: number
  private readonly dropped: IndexDefinition[]
  private readonly head = 'INSERT INTO customers (id, name, wechat_id, phones, addresses, tags, rel_class, segment, owner_member_id, notes, created_at, updated_at) VALUES '
  private readonly tuple: string
  private insertMany: Statement | null = null
  /** Parameters of rows waiting for a whole statement. */
  private pending: unknown[] = []
  private readonly params = new Array<unknown>(ROWS_PER_INSERT * INSERT_COLUMNS)
  private inserted = 0
  private indexedUpTo: number
  private readonly streaming: boolean
  /** Members the new customers belong to, checked to exist before the write ends (see finish). */
  private readonly owners = new Set<string>()

  /**
   * `expectedRows`: about how many new customers are coming. A load much larger than
   * the table is faster with the indexes dropped and rebuilt after it, except those
   * whose key is the same for every new customer (see sameForNewRows): these only
   * grow at one end. `streaming`: the rows come while another thread validates the
   * next ones; the phone and tag rows are then written with each batch, so that work
   * overlaps with the validation instead of waiting for the end.
   */
  constructor(
    private readonly db: Db,
    now: string,
    expectedRows: number,
    streaming = false,
  ) {
    this.tuple = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '${now}', '${now}')`
    this.before = (db.prepare('SELECT COALESCE(MAX(rowid), 0) AS n FROM customers').get() as { n: number }).n
    this.indexedUpTo = this.before
    this.streaming = streaming
    this.dropped = expectedRows >= 5000 && expectedRows * 2 >= this.before ? dropIndexes(db, ['customers', 'customer_phones', 'customer_tags'], sameForNewRows) : []
  }

  /** The phone and tag index rows of the customers inserted since the last call. */
  private indexNewRows(): void {
    const upTo = this.before + this.inserted
    if (upTo <= this.indexedUpTo) return
    indexCustomerLists(this.db, { insertedAfter: this.indexedUpTo })
    this.indexedUpTo = upTo
  }

  /** New customers: INSERT_COLUMNS parameters per row, one row after another. */
  insert(rows: unknown[]): void {
    for (let k = OWNER_COLUMN; k < rows.length; k += INSERT_COLUMNS) if (rows[k] !== null) this.owners.add(rows[k] as string)
    const width = ROWS_PER_INSERT * INSERT_COLUMNS
    let i = 0
    if (this.pending.length) {
      while (i < rows.length && this.pending.length < width) this.pending.push(rows[i++])
      if (this.pending.length < width) return
      this.runMany(this.pending)
      this.pending = []
    }
    const params = this.params
    for (; i + width <= rows.length; i += width) {
      for (let k = 0; k < width; k++) params[k] = rows[i + k]
      this.runMany(params)
    }
    while (i < rows.length) this.pending.push(rows[i++])
    if (this.streaming) this.indexNewRows()
  }

  // Many rows per statement: each run() crosses into SQLite once, whatever its row count.
  private runMany(params: unknown[]): void {
    this.insertMany ??= this.db.prepare(this.head + Array(ROWS_PER_INSERT).fill(this.tuple).join(', '))
    this.insertMany.run(params)
    this.inserted += ROWS_PER_INSERT
  }

  finish(updates: CustomerUpdate[]): void {
    const db = this.db
    if (this.pending.length) {
      const rows = this.pending.length / INSERT_COLUMNS
      db.prepare(this.head + Array(rows).fill(this.tuple).join(', ')).run(this.pending)
      this.inserted += rows
      this.pending = []
    }
    if (updates.length) {
      const update = db.prepare(
        `UPDATE customers SET name = ?, wechat_id = ?, phones = ?, addresses = ?, tags = ?, rel_class = ?, segment = ?, owner_member_id = ?, notes = ?, updated_at = ? WHERE id = ?`,
      )
      for (const u of updates) {
        const changed = update.run(u.values).changes
        // Index rows for a customer that is gone would fail its foreign key.
        if (!changed && (u.phones || u.tags)) throw new OrchardError('import_conflict', '导入期间客户已被删除，请重试 / a customer was deleted during the import; try again', { id: u.id })
        if (u.values[UPDATE_OWNER] !== null) this.owners.add(u.values[UPDATE_OWNER] as string)
        // Lists only grow on import, so the index rows only need adding.
        if (u.phones) for (const phone of u.phones) insertRowIfNew(db, CUSTOMER_PHONES, { phone, customer_id: u.id })
        if (u.tags) for (const tag of u.tags) insertRowIfNew(db, CUSTOMER_TAGS, { tag, customer_id: u.id })
      }
    }
    this.indexNewRows()
    // What the foreign keys of these rows would check, checked once for all of them (the run may write
    // without SQLite checking each row: see writeCustomers).
    if (this.owners.size) {
      const found = (db.prepare('SELECT COUNT(*) AS n FROM members WHERE id IN (SELECT value FROM json_each(?))').get(JSON.stringify([...this.owners])) as { n: number }).n
      if (found !== this.owners.size) throw new OrchardError('import_conflict', '导入期间会员已被删除，请重试 / a member was deleted during the import; try again', {})
    }
    restoreIndexes(db, this.dropped)
  }
}
