import { EventEmitter } from 'node:events'
import { methodDef, type EventName, type EventPayload, type MethodName, type MethodOutput, type ServiceName } from '../../src-shared/contract'
import { OrchardError } from '../../src-shared/errors'
import { invalidInput } from '../../src-shared/located'
import { permissionOfMethod } from '../../src-shared/permissions'
import { controlMessage, findControlCharacter } from '../../src-shared/schemas'
import { runDueBackup } from './backups/backups'
import { backupsHandlers } from './backups/handlers'
import { systemClock, type Clock } from './clock'
import type { AllHandlers, CoreContext, HostKind } from './context'
import { customersHandlers } from './customers/handlers'
import { duplicatesHandlers } from './customers/duplicatesHandlers'
import { catchUpSearchIndex, searchIndexLag } from './customers/searchIndex'
import { dashboardHandlers } from './dashboard/handlers'
import { asOrchardError, openDatabase, waitForWriteLock, withoutWaiting, type Db } from './db/connection'
import { authorizeDownload, forgetMadeFile, rememberMadeFiles } from './downloads'
import { demoHandlers, prepareFirstStart } from './demo/handlers'
import { exportsHandlers } from './exports/handlers'
import { guardFileInputs } from './files'
import { narrowDataFolder, privateFolder, sweepOld, sweepRestoreLeftovers } from './housekeeping'
import { groupsHandlers } from './groups/handlers'
import { importsHandlers } from './imports/handlers'
import { jobsHandlers } from './jobs/handlers'
import { progressMeter } from './jobs/progress'
import { AREAS } from './areas'
import { ledgerHandlers } from './ledger'
import { fileKeyStore, type KeyStore } from './ledger/keystore'
import { lifecycleHandlers } from './lifecycle'
import { refreshSession } from './lifecycle/profiles'
import { requirePermission } from './permissions'
import { materialsHandlers } from './materials'
import { syncHandlers, syncLoopOf, teamAuditHandlers } from './sync'
import { memberPageUrl, memberPagesHandlers, schedulePagesExchange } from './memberPages'
import { liveCodeUrl } from './memberPages/liveCodes'
import { membersHandlers } from './members/handlers'
import { ordersHandlers } from './orders/handlers'
import { dataPaths, type DataPaths } from './paths'
import { productsHandlers } from './products/handlers'
import { settingsHandlers, studioTimeZone } from './settings/settings'
import { systemHandlers } from './system/handlers'

const handlers: AllHandlers = {
  system: systemHandlers,
  settings: settingsHandlers,
  dashboard: dashboardHandlers,
  customers: customersHandlers,
  groups: groupsHandlers,
  products: productsHandlers,
  members: membersHandlers,
  orders: ordersHandlers,
  imports: importsHandlers,
  exports: exportsHandlers,
  backups: backupsHandlers,
  jobs: jobsHandlers,
  demo: demoHandlers,
  duplicates: duplicatesHandlers,
  ...materialsHandlers,
  ...lifecycleHandlers,
  ...ledgerHandlers,
  ...syncHandlers,
  ...memberPagesHandlers,
  audit: { ...lifecycleHandlers.audit, ...teamAuditHandlers },
}

export interface CreateCoreOptions {
  dataDir: string
  host: HostKind
  version?: string
  clock?: Clock
  /** better_sqlite3.node for the running runtime (the Electron shell passes its own build). */
  nativeBinding?: string
  /** What a brand-new data folder starts with; default: the demo studio. */
  firstStart?: 'demo' | 'empty'
  /** Where the payout-account key lives; default: a 0600 key file in the data folder. */
  keyStore?: KeyStore
}

export interface OrchardCore {
  readonly paths: DataPaths
  readonly context: CoreContext
  /** Validates `input` against the contract, runs the handler, returns its output. Throws OrchardError. */
  call(name: string, input?: unknown): Promise<unknown>
  invoke<S extends ServiceName, M extends MethodName<S>>(service: S, method: M, input?: unknown): Promise<MethodOutput<S, M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
  onAny(listener: (event: EventName, payload: unknown) => void): () => void
  /**
   * Throws OrchardError 'forbidden' unless the profile at the keyboard may download this file
   * of exports/ (its real path): the profile it was made for, else a role that sees contacts.
   */
  authorizeDownload(realPath: string): void
  /** Periodic upkeep the hosts call (hourly): the daily automatic backup and its pruning. */
  maintenance(): Promise<void>
  /** Stops the areas' background work, lets queued writes finish, closes the database. */
  close(): Promise<void>
}

/**
 * Opens (creating and seeding when new) the studio in `dataDir` and returns the
 * one API every host serves. Throws OrchardError (db_newer, db_corrupt, db_locked …)
 * when the database cannot be used; hosts then offer the recovery path.
 */
export function createCore(options: CreateCoreOptions): OrchardCore {
  const paths = dataPaths(options.dataDir)
  privateFolder(paths.dataDir)
  const bus = new EventEmitter()
  bus.setMaxListeners(100)
  const open = (): Db => openDatabase(paths.database, { nativeBinding: options.nativeBinding })

  const context: CoreContext = {
    db: open(),
    paths,
    clock: options.clock ?? systemClock,
    host: options.host,
    version: options.version ?? '0.0.0-dev',
    nativeBinding: options.nativeBinding,
    session: { profileId: null, role: null, name: null },
    keyStore: options.keyStore ?? fileKeyStore(paths.dataDir),
    emit: (event, payload) => {
      bus.emit(event, payload)
      bus.emit('*', event, payload)
    },
    timezone: () => studioTimeZone(context.db),
    pagesExchange: (exchange) => schedulePagesExchange(context, exchange),
    memberPageUrl: (memberId) => memberPageUrl(context.db, memberId),
    liveCodeUrl: (groupId) => liveCodeUrl(context.db, groupId),
    reopen: () => {
      try {
        context.db.close()
      } catch {
        /* already closed */
      }
      context.db = open()
    },
  }
  // The database (and so its -wal/-shm), backups, uploads and exports are the owner's alone.
  narrowDataFolder(paths)
  prepareFirstStart(context, options.firstStart ?? 'demo')

  let closed = false
  let indexing = false
  /**
   * Brings the customer search index up to date after writes, in small batches
   * between other work so the console stays responsive (searches stay correct
   * meanwhile: rows not indexed yet are read directly). It never waits for the write
   * lock: while another program (a CLI import) holds it, it tries again a little later.
   */
  function catchUpSearch(): void {
    if (indexing || closed) return
    const { pending } = searchIndexLag(context.db)
    if (pending === 0) return
    if (pending <= 500 && withoutWaiting(context.db, () => catchUpSearchIndex(context.db, 500))) return
    indexing = true
    const report = progressMeter(context, 'search-index', 'search-index')
    const step = () => {
      if (closed) return
      try {
        let remaining = 0
        if (!withoutWaiting(context.db, () => (remaining = catchUpSearchIndex(context.db, 1000)))) {
          setTimeout(step, 250).unref()
          return
        }
        report('index', pending - remaining, pending)
        if (remaining > 0) setImmediate(step)
        else indexing = false
      } catch {
        // A closed or replaced database (restore) stops this round; the next write starts another.
        indexing = false
      }
    }
    setImmediate(step)
  }
  catchUpSearch()
  for (const area of AREAS) area.start?.(context)

  // Writes run one at a time so a long import never interleaves with an edit.
  let writeQueue: Promise<unknown> = Promise.resolve()
  const validateOutput = process.env.NODE_ENV === 'test' || process.env.ORCHARD_VALIDATE_OUTPUT === '1'

  async function call(name: string, rawInput?: unknown): Promise<unknown> {
    const def = methodDef(name)
    const permission = permissionOfMethod(name)
    if (!def || !permission) throw new OrchardError('unknown_method', `未知方法 ${name} / unknown method`, { method: name })
    // methodDef matched exactly "service.method" among the contract's own entries, and every entry has its handler.
    const [service, method] = name.split('.') as [ServiceName, string]
    const handler = (handlers[service] as Record<string, (input: unknown, ctx: CoreContext) => unknown>)[method]
    const run = async () => {
      // Who may call it, checked against the table before the input is even looked at, and
      // inside the write queue: the session a queued write sees is the one it runs under.
      refreshSession(context)
      requirePermission(context, permission, name)
      const parsed = def.input.safeParse(rawInput ?? undefined)
      if (!parsed.success) {
        throw invalidInput(
          name,
          parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        )
      }
      // Paths first: a NUL in a path is a forbidden path, with the field named.
      const input = guardFileInputs(context, name, def.input, parsed.data)
      // No text the studio keeps may hold control characters (a NUL once stopped the team's sync): checked for every method at once.
      const control = findControlCharacter(input)
      if (control) {
        throw invalidInput(name, [{ path: control.path, message: controlMessage(control.found) }])
      }
      // Another program (the CLI) may be writing the same studio: wait for it here, without freezing the host.
      if (def.write) await waitForWriteLock(context.db)
      let output: unknown
      try {
        output = await handler(input, context)
      } catch (err) {
        // A refusal from inside (a field the role may not change) names the method it came through, as the table's own do.
        if (err instanceof OrchardError && err.code === 'forbidden' && err.details && typeof err.details === 'object' && !('method' in err.details)) {
          ;(err.details as Record<string, unknown>).method = name
        }
        throw err
      }
      if (def.write) {
        catchUpSearch()
        // What the write put in the outbox goes to the team shortly, not at the outbox's next look.
        syncLoopOf(context)?.wrote()
      }
      if (context.host === 'browser') rememberMadeFiles(context, output)
      if (validateOutput) {
        const checked = def.output.safeParse(output)
        if (!checked.success) throw new OrchardError('invalid_output', `${name} returned a value outside its contract`, checked.error.issues)
      }
      return output
    }
    if (!def.write) return run()
    const result = writeQueue.then(run, run)
    writeQueue = result.catch(() => undefined)
    return result
  }

  return {
    paths,
    context,
    call: (name, input) => call(name, input).catch((err) => Promise.reject(asOrchardError(err))),
    invoke: (service, method, input) => call(`${service}.${method}`, input).catch((err) => Promise.reject(asOrchardError(err))) as Promise<never>,
    on(event, listener) {
      bus.on(event, listener)
      return () => bus.off(event, listener)
    },
    onAny(listener) {
      bus.on('*', listener)
      return () => bus.off('*', listener)
    },
    authorizeDownload: (realPath) => authorizeDownload(context, realPath),
    async maintenance() {
      // Uploads wait a day at most to be imported, browser-mode exports to be downloaded.
      const now = context.clock.now().getTime()
      for (const removed of sweepOld(paths.staging, now)) forgetMadeFile(context, removed)
      if (context.host === 'browser') for (const removed of sweepOld(paths.exports, now)) forgetMadeFile(context, removed)
      sweepRestoreLeftovers(paths, now)
      await runDueBackup(context)
      for (const area of AREAS) await area.maintenance?.(context)
    },
    async close() {
      if (closed) return
      closed = true
      for (const area of [...AREAS].reverse()) {
        try {
          await area.stop?.(context)
        } catch {
          /* an area that cannot stop cleanly must not keep the database open */
        }
      }
      await writeQueue
      context.db.close()
    },
  }
}
