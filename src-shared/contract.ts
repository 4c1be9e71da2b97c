import { z } from 'zod'
import * as S from './schemas'
import { WritePath } from './filePaths'

import { ById, command, immediate, query, type MethodDef } from './contractKit'
import { duplicatesContract } from './contracts/duplicates'
import { ledgerContract, ledgerEvents } from './contracts/ledger'
import { lifecycleContract, lifecycleEvents } from './contracts/lifecycle'
import { materialsContract, materialsEvents } from './contracts/materials'
import { memberPagesContract, memberPagesEvents } from './contracts/memberPages'
import { syncContract, syncEvents } from './contracts/sync'

export type { MethodDef } from './contractKit'

/**
 * The one contract: every method the console, the CLI and the browser host may call.
 * The core validates inputs against it, the preload bridge and the browser host
 * are generated from it, and the renderer takes its types from it. The records
 * (foundation) are declared here; each later area declares its own part in
 * contracts/<area>.ts and is spread in below.
 */
const recordsContract = {
  system: {
    info: query(S.Empty, S.SystemInfo),
    clock: query(S.Empty, S.StudioClock),
  },
  settings: {
    get: query(S.Empty, S.Settings),
    update: command(S.Settings.partial(), S.Settings),
  },
  dashboard: {
    summary: query(S.Empty, S.DashboardSummary),
  },
  customers: {
    list: query(S.CustomerListQuery, S.Page(S.Customer)),
    get: query(ById, S.CustomerDetail),
    facets: query(S.Empty, S.CustomerFacets),
    create: command(S.CustomerInput, S.Customer),
    update: command(z.object({ id: S.Id, patch: S.CustomerPatch }), S.Customer),
    remove: command(ById, S.Ok),
    /** Add or remove tags, change the owner or the class of many customers in one step (one transaction, audited). */
    bulk: command(S.CustomerBulkInput, S.CustomerBulkResult),
    /** A customer's follow-up records (跟进记录), newest first. */
    followUps: query(z.object({ customerId: S.Id }), z.array(S.FollowUp)),
    /** Record a follow-up; its next day becomes a care task of the owning member, and closes the open one before it. */
    addFollowUp: command(S.FollowUpInput, S.FollowUp),
  },
  groups: {
    list: query(z.object({ search: z.string().max(100).optional() }).default({}), z.array(S.Group)),
    get: query(ById, S.GroupDetail),
    create: command(S.GroupInput, S.Group),
    update: command(z.object({ id: S.Id, patch: S.GroupPatch }), S.Group),
  },
  products: {
    list: query(S.ProductListQuery, S.Page(S.Product)),
    get: query(ById, S.Product),
    categories: query(S.Empty, z.array(z.object({ category: z.string(), count: z.number().int() }))),
    create: command(S.ProductInput, S.Product),
    update: command(z.object({ id: S.Id, patch: S.ProductPatch }), S.Product),
  },
  members: {
    /** The whole team, flat with mentorId: the console builds the mentor tree. */
    all: query(S.Empty, z.array(S.Member)),
    get: query(ById, S.Member),
    create: command(S.MemberInput, S.Member),
    update: command(z.object({ id: S.Id, patch: S.MemberPatch }), S.Member),
    /** What a leaving member's hand-over would move to another member: counts only, nothing changes. */
    handoverPreview: query(S.HandoverInput, S.HandoverPreview),
    /** Move a leaving member's customers, groups, open care tasks and follow-ups to another member in one step (one transaction, audited). */
    handover: command(S.HandoverInput, S.HandoverResult),
  },
  orders: {
    list: query(S.OrderListQuery, S.Page(S.Order)),
    get: query(ById, S.OrderDetail),
    /** Attribute orders that carried no (or an unknown) invite code to a member. */
    assign: command(z.object({ orderIds: z.array(S.Id).min(1).max(1000), memberId: S.Id }), z.object({ updated: z.number().int() })),
  },
  imports: {
    preview: query(S.ImportPreviewInput, S.ImportPreview),
    run: command(S.ImportRunInput, S.ImportResult),
    /**
     * Runs again, by its job id alone, an import that a crash, a cancel or a failure stopped:
     * the file and options are kept with the job. It writes nothing twice (a run whose write
     * committed is finished) and follows the same modes and located errors as `run`.
     */
    resume: command(z.object({ jobId: z.string().min(1).max(100) }), S.ImportResult),
    /** Imports left unfinished (interrupted by a crash, or cancelled), newest first: what resume takes. */
    unfinished: query(S.Empty, z.array(S.ImportJobSummary)),
    history: query(S.Empty, z.array(S.ImportRun)),
    /** A run's located errors (row, column, value, reason), or (kind: warnings) the values it kept as given but warned about, as CSV text (UTF-8 with BOM). */
    reportCsv: query(z.object({ importId: S.Id, kind: z.enum(['errors', 'warnings']).default('errors') }), z.object({ fileName: z.string(), csv: z.string() })),
    /**
     * A run's error file: the refused rows exactly as the source held them (its header, columns
     * and values; CSV with BOM or XLSX like the source), with the reason and the row number in
     * the source after them — fix the cells and import it again with the same mapping. `lang`
     * gives the reasons in one language. Written to `path`, or into exports/ (browser mode).
     */
    errorFile: command(
      z.object({ importId: S.Id, lang: z.enum(['zh', 'en', 'both']).default('both'), path: WritePath.optional() }),
      z.object({ path: z.string(), fileName: z.string(), rows: z.number().int(), omittedRows: z.number().int() }),
    ),
    /** An empty file to fill in: the importer's own columns for the record type, as CSV text (UTF-8 with BOM). */
    template: query(z.object({ entity: S.ImportEntity }), z.object({ fileName: z.string(), csv: z.string() })),
  },
  exports: {
    run: command(S.ExportInput, S.ExportResult),
  },
  backups: {
    list: query(S.Empty, z.array(S.Backup)),
    /** `jobId`: report the copy's progress as job.progress events (kind 'backup'). */
    create: command(S.JobOnly, S.Backup),
    /** Progress (kind 'restore'): the safety backup of the current data, then the restore itself. */
    restore: command(z.object({ fileName: z.string().min(1), jobId: z.string().optional() }), z.object({ restored: z.string(), safetyBackup: z.string() })),
  },
  jobs: {
    /**
     * Cancels a long job by its id — a pack or kit batch, an export, a backup, an import —
     * answered at once, even while that job holds the write queue: the job stops at its next
     * item, removes its temporary files and records itself cancelled. A job still waiting
     * for its turn never starts.
     */
    cancel: immediate(z.object({ jobId: z.string().min(1).max(100) }), S.JobCancelResult),
  },
  demo: {
    /** Replace the studio's data with the generated demo studio (a safety backup is taken first). */
    seed: command(z.object({ seed: z.number().int().optional(), jobId: z.string().optional() }).default({}), z.object({ customers: z.number().int(), orders: z.number().int() })),
    /** Start an empty studio (a safety backup is taken first). */
    clear: command(S.JobOnly, S.Ok),
  },
} as const

export const contract = { ...recordsContract, ...materialsContract, ...lifecycleContract, ...ledgerContract, ...syncContract, ...memberPagesContract, ...duplicatesContract } as const

export const events = {
  'job.progress': S.JobProgress,
  /** Tables changed by a write (an import, a restore): the console refreshes what shows them. */
  'data.changed': z.object({ entities: z.array(z.string()) }),
  ...materialsEvents,
  ...lifecycleEvents,
  ...ledgerEvents,
  ...syncEvents,
  ...memberPagesEvents,
} as const

export type Contract = typeof contract
export type ServiceName = keyof Contract
export type MethodName<S extends ServiceName> = keyof Contract[S] & string
export type EventName = keyof typeof events
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>

type Def<S extends ServiceName, M extends MethodName<S>> = Contract[S][M] extends MethodDef<infer I, infer O> ? { I: I; O: O } : never
export type MethodInput<S extends ServiceName, M extends MethodName<S>> = z.input<Def<S, M>['I']>
/** What a handler receives: the input after defaults and coercion. */
export type MethodParsedInput<S extends ServiceName, M extends MethodName<S>> = z.output<Def<S, M>['I']>
export type MethodOutput<S extends ServiceName, M extends MethodName<S>> = z.output<Def<S, M>['O']>

/** What the renderer sees as window.orchard / the HTTP client. */
export type OrchardApi = {
  [S in ServiceName]: {
    [M in MethodName<S>]: (...input: undefined extends MethodInput<S, M> ? [MethodInput<S, M>?] : [MethodInput<S, M>]) => Promise<MethodOutput<S, M>>
  }
}

/** Every "service.method" name, derived from the table (the preload and hosts use this, never a hand list). */
export const methodNames: string[] = Object.entries(contract).flatMap(([service, methods]) =>
  Object.keys(methods).map((m) => `${service}.${m}`),
)
export const eventNames = Object.keys(events) as EventName[]

/** Exactly "service.method": one dot, names made of letters and digits. */
const METHOD_NAME = /^([A-Za-z][A-Za-z0-9]*)\.([A-Za-z][A-Za-z0-9]*)$/

/**
 * The contract entry of "service.method", or undefined. Only the contract's own entries
 * count: "__proto__.toString" or "system.info.extra" name nothing, whatever objects inherit.
 */
export function methodDef(name: string): MethodDef | undefined {
  const match = METHOD_NAME.exec(name)
  if (!match) return undefined
  const [, service, method] = match
  if (!Object.hasOwn(contract, service)) return undefined
  const defs = (contract as Record<string, Record<string, MethodDef>>)[service]
  return Object.hasOwn(defs, method) ? defs[method] : undefined
}

/** The transport's envelope: errors travel as values so code and details survive IPC and HTTP. */
export const IPC_CALL = 'orchard:call'
export const IPC_EVENT = 'orchard:event'
