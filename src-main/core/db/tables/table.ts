/**
 * The typed table layer: each record's table is declared once (core/db/tables/*.ts)
 * — its columns with their SQL type, whether they hold null and how their value is kept,
 * and which column holds each of the record's shared fields. The row types, the column
 * lists, the mappers to the contract's types and records sync's column table are all
 * derived from that one declaration, and tables.test.ts holds it to the migrated schema,
 * so a column added by a migration and forgotten here fails a test instead of a sync.
 */

import { prepared, type Db } from '../connection'

/**
 * How a column's value is kept: as text, an integer, a fraction, 0/1 for a boolean, or JSON
 * text — `json` a list, `object` a structure (records sync takes only a value of that shape).
 */
export type ColumnCodec = 'text' | 'int' | 'real' | 'bool' | 'json' | 'object' | 'blob'
/** The codecs records sync carries: none of its fields is a fraction (its `int` refuses one) or bytes. */
export type SyncedCodec = Exclude<ColumnCodec, 'real' | 'blob'>

/** A column: `Stored` is what SQLite hands back, `Value` what the contract holds. */
export interface Column<Stored, Value> {
  /** The type the migrations declare (as PRAGMA table_info reports it). */
  type: 'TEXT' | 'INTEGER' | 'REAL' | 'BLOB'
  nullable: boolean
  codec: ColumnCodec
  /** Never set: carries the two types for the row and field types. */
  readonly types?: { stored: Stored; value: Value }
}

const column = <Stored, Value>(type: Column<Stored, Value>['type'], codec: ColumnCodec, nullable: boolean): Column<Stored, Value> => ({ type, codec, nullable })

export const text = <T extends string = string>() => column<T, T>('TEXT', 'text', false)
export const nullableText = <T extends string = string>() => column<T | null, T | null>('TEXT', 'text', true)
export const int = <T extends number = number>() => column<T, T>('INTEGER', 'int', false)
export const nullableInt = <T extends number = number>() => column<T | null, T | null>('INTEGER', 'int', true)
/** A number with a fraction (a group's temperature score, a duration in milliseconds). */
export const real = () => column<number, number>('REAL', 'real', false)
/** Bytes (a payout account's sealed number): never shown, never synced. */
export const blob = () => column<Buffer, Buffer>('BLOB', 'blob', false)
export const bool = () => column<number, boolean>('INTEGER', 'bool', false)
/** A list kept as JSON text (never null: an empty list is `[]`). */
export const json = <T>() => column<string, T>('TEXT', 'json', false)
/** A structure kept as JSON text (a poster's layout, a scheme's rules). */
export const object = <T extends object>() => column<string, T>('TEXT', 'object', false)

type AnyColumn = Column<any, any>
type Columns = Record<string, AnyColumn>
type StoredOf<C> = C extends Column<infer S, any> ? S : never
type ValueOf<C> = C extends Column<any, infer V> ? V : never

export interface Table<C extends Columns, F extends Record<string, keyof C & string>> {
  name: string
  /** Every column of the table, in the migrations' order. */
  columns: C
  /**
   * The record's fields as the contract names them and the column each is kept in. For a
   * shared record these are its shared fields (as the field table names them): what records
   * sync sends; the mapper adds the rest (the id, figures, joined names, times).
   */
  fields: F
  /** Each field with its column and codec, worked out once: mappers run on every row a list reads. */
  readonly decoders: readonly (readonly [field: string, column: string, codec: ColumnCodec])[]
}

export const defineTable = <C extends Columns, const F extends Record<string, keyof C & string>>(name: string, columns: C, fields: F): Table<C, F> => ({
  name,
  columns,
  fields,
  decoders: Object.entries(fields).map(([field, column]) => [field, column, columns[column].codec] as const),
})

/** A row of the table as SQLite returns it from `SELECT *`. */
export type RowOf<T> = T extends Table<infer C, any> ? { [K in keyof C]: StoredOf<C[K]> } : never

/** The record's shared fields with their contract types. */
export type FieldsOf<T> = T extends Table<infer C, infer F> ? { [K in keyof F]: ValueOf<C[F[K]]> } : never

/** The table's columns as a select list, each qualified by `alias` when given. */
export function columnList(table: Table<Columns, Record<string, string>>, alias?: string): string {
  return Object.keys(table.columns)
    .map((c) => (alias ? `${alias}.${c}` : c))
    .join(', ')
}

const insertSql = new WeakMap<object, Map<string, string>>()
const upsertSql = new WeakMap<object, Map<string, string>>()

/**
 * The table's INSERT of the named columns (every column when none are named), spelled once per
 * table and column list: the statement behind it is prepared once per connection.
 */
function insertStatement(db: Db, table: Table<Columns, Record<string, string>>, verb: 'INSERT' | 'INSERT OR IGNORE', columns?: readonly string[]) {
  let byColumns = insertSql.get(table)
  if (!byColumns) insertSql.set(table, (byColumns = new Map()))
  const key = columns ? `${verb} ${columns.join()}` : verb
  let sql = byColumns.get(key)
  if (!sql) {
    const named = columns ?? Object.keys(table.columns)
    sql = `${verb} INTO ${table.name} (${named.join(', ')}) VALUES (${named.map((c) => `@${c}`).join(', ')})`
    byColumns.set(key, sql)
  }
  return prepared(db, sql)
}

/** Writes one row of the table, every column given as it is stored (a boolean as 0/1, a list as JSON text). */
export function insertRow<C extends Columns, F extends Record<string, keyof C & string>>(db: Db, table: Table<C, F>, row: RowOf<Table<C, F>>): void {
  insertStatement(db, table, 'INSERT').run(row)
}

/** Writes one row of the table unless one with its key is there already; 1 when it was written, 0 when it was not. */
export function insertRowIfNew<C extends Columns, F extends Record<string, keyof C & string>>(db: Db, table: Table<C, F>, row: RowOf<Table<C, F>>): number {
  return insertStatement(db, table, 'INSERT OR IGNORE').run(row).changes
}

/**
 * Writes rows of the table in bulk (an import, the demo studio): the INSERT is prepared once and
 * each row goes through it. Every column is given, or only `columns`: the table's others are
 * nullable or have a default, which the rows then take.
 */
export function rowWriter<C extends Columns, F extends Record<string, keyof C & string>, K extends keyof C & string = keyof C & string>(
  db: Db,
  table: Table<C, F>,
  columns?: readonly K[],
): (row: { [Col in K]: StoredOf<C[Col]> }) => void {
  const statement = insertStatement(db, table, 'INSERT', columns)
  return (row) => {
    statement.run(row)
  }
}

/**
 * Writes one row of the table, or, when a row with its `key` is there already, gives that
 * row every other column of this one: the key's columns name a primary key or unique index.
 */
export function upsertRow<C extends Columns, F extends Record<string, keyof C & string>>(db: Db, table: Table<C, F>, key: readonly (keyof C & string)[], row: RowOf<Table<C, F>>): void {
  let byKey = upsertSql.get(table)
  if (!byKey) upsertSql.set(table, (byKey = new Map()))
  let sql = byKey.get(key.join())
  if (!sql) {
    const columns = Object.keys(table.columns)
    const set = columns.filter((c) => !key.includes(c)).map((c) => `${c} = excluded.${c}`)
    sql = `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')}) ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${set.join(', ')}`
    byKey.set(key.join(), sql)
  }
  prepared(db, sql).run(row)
}

/** Each shared field's column and codec: records sync's view of the table (core/records/sync.ts TABLES). */
export function syncColumns<C extends Columns, F extends Record<string, keyof C & string>>(table: Table<C, F>): { [K in keyof F]: readonly [column: F[K], codec: SyncedCodec] } {
  return Object.fromEntries(
    Object.entries(table.fields).map(([field, c]) => {
      const codec = table.columns[c].codec
      if (codec === 'real') throw new Error(`${table.name}.${c}: records sync carries no fractions`)
      return [field, [c, codec] as const]
    }),
  ) as {
    [K in keyof F]: readonly [F[K], SyncedCodec]
  }
}

/** A stored value as the contract holds it. */
export function decodeColumn(codec: ColumnCodec, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null
  if (codec === 'json' || codec === 'object') return JSON.parse(raw as string)
  if (codec === 'bool') return raw === 1
  return raw
}

/** The shared fields of a row (its table's columns, and any joined ones besides), decoded. */
export function decodeFields<C extends Columns, F extends Record<string, keyof C & string>>(table: Table<C, F>, row: { [K in F[keyof F]]: StoredOf<C[K]> }): FieldsOf<Table<C, F>> {
  const out: Record<string, unknown> = {}
  for (const [field, column, codec] of table.decoders) out[field] = decodeColumn(codec, (row as Record<string, unknown>)[column])
  return out as FieldsOf<Table<C, F>>
}

/** Writes one row whose integer key SQLite numbers (an AUTOINCREMENT column): every other column given as it is stored. */
export function insertNumberedRow<C extends Columns, F extends Record<string, keyof C & string>, K extends keyof C & string>(
  db: Db,
  table: Table<C, F>,
  key: K,
  row: Omit<RowOf<Table<C, F>>, K>,
): void {
  insertStatement(db, table, 'INSERT').run({ ...row, [key]: null })
}
