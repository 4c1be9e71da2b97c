import { decodeFields, defineTable, int, json, nullableInt, nullableText, text, type FieldsOf, type RowOf } from './table'

export type DurableStatus = 'running' | 'done' | 'failed' | 'cancelled' | 'replaced'

/**
 * A durable job (core/jobs/durable.ts): what it was asked (`params`, found again by
 * `request_key`), where it writes, and how its runs went. Its fields are what every job's
 * summary shows of the row itself; the rest is counted over its items.
 */
export const JOBS = defineTable(
  'jobs',
  {
    id: text(),
    kind: text(),
    request_key: text(),
    params: text(),
    label: text(),
    out_dir: text(),
    status: text<DurableStatus>(),
    total: int(),
    warnings: json<unknown[]>(),
    error: nullableText(),
    run_ms: int(),
    runs: int(),
    replaced_by: nullableText(),
    created_at: text(),
    updated_at: text(),
  },
  {
    label: 'label',
    out: 'out_dir',
    total: 'total',
    warnings: 'warnings',
    createdAt: 'created_at',
  },
)

/**
 * A job's planned output. Its fields are the item as the runner hands it to the producer
 * (`spec` stays JSON text: each producer reads its own); its hash, size and when it was
 * done are kept once it is written.
 */
export const JOB_ITEMS = defineTable(
  'job_items',
  {
    job_id: text(),
    seq: int(),
    kind: text(),
    owner_id: nullableText(),
    spec: text(),
    file: text(),
    sha256: nullableText(),
    bytes: nullableInt(),
    done_at: nullableText(),
  },
  {
    seq: 'seq',
    kind: 'kind',
    owner: 'owner_id',
    spec: 'spec',
    file: 'file',
  },
)

export type JobRow = RowOf<typeof JOBS>
export type JobItemRow = RowOf<typeof JOB_ITEMS>
/** An item as the runner hands it to the producer. */
export type JobItem = FieldsOf<typeof JOB_ITEMS>

export const toJobItem = (row: JobItemRow): JobItem => decodeFields(JOB_ITEMS, row)
