import { computed, inject, provide, reactive, ref, type InjectionKey } from 'vue'
import type { ImportFormat, ImportJobSummary, ImportMode, ImportPreview, ImportResult } from '@shared/schemas'
import type { ImportEntity } from '@shared/vocabulary'
import type { LocatedError } from '@shared/located'
import { api, OrchardClientError } from '@/api/client'
import { host } from '@/api/host'
import { useCancellableJob, wasCancelled } from '@/composables/jobProgress'
import { locatedOf } from '@/composables/fieldErrors'
import { readerLang } from '@/format/bilingual'

export type { ImportFormat, ImportMode }
/** The shops' order exports: for orders only. */
export const SHOP_FORMATS = ['shopify', 'youzan', 'weidian', 'ktt'] as const
export type Mapping = Record<string, string | null>

/** Steps of the wizard, in order. */
export const STEPS = ['what', 'file', 'mapping', 'mode', 'result'] as const
export type Step = (typeof STEPS)[number]

/**
 * The import wizard's state and steps, shared by the step components through
 * provide/inject. One object so a step never has to reconcile copies of the file,
 * the preview or the mapping.
 */
export function createImportWizard() {
  const state = reactive({
    step: 'what' as Step,
    entity: null as ImportEntity | null,
    format: 'auto' as ImportFormat,
    file: null as { path: string; name: string } | null,
    sheet: null as string | null,
    preview: null as ImportPreview | null,
    previewing: false,
    previewError: null as LocatedError | null,
    mapping: {} as Mapping,
    mode: 'all-or-nothing' as ImportMode,
    saveMapping: true,
    /** Orders: what to do with an order the file shows older than the studio holds. */
    olderOrders: 'keep' as 'keep' | 'apply',
    /** Orders: rates for currencies other than the studio's, for this import only (1 USD = 7.10). */
    rates: [] as { key: string; value: string }[],
    running: false,
    runError: null as LocatedError | null,
    progress: null as { phase: string; done: number; total: number; message?: string } | null,
    result: null as ImportResult | null,
    /** The last run was cancelled by the person (it wrote nothing). */
    cancelled: false,
    /** The job id of an unfinished import being resumed: its file and options are kept by the core. */
    resuming: null as string | null,
    /** Bumped after every run so the history below refreshes. */
    runs: 0,
  })

  /** The run under way, by the id a cancel names (CancelJobButton). */
  const job = useCancellableJob()

  const missingRequired = computed(() => (state.preview?.fields ?? []).filter((f) => f.required && !state.mapping[f.field]))
  const stepIndex = computed(() => STEPS.indexOf(state.step))

  function chooseEntity(entity: ImportEntity) {
    if (state.entity === entity) return
    state.entity = entity
    // The shops' layouts exist for orders only.
    if (entity !== 'orders' && (SHOP_FORMATS as readonly string[]).includes(state.format)) state.format = 'auto'
    clearFile()
  }

  function chooseFormat(format: ImportFormat) {
    if (state.format === format) return
    state.format = format
    if (state.file) void preview()
  }

  function clearFile() {
    state.file = null
    state.sheet = null
    state.preview = null
    state.previewError = null
    state.mapping = {}
    state.result = null
    state.runError = null
    state.resuming = null
  }

  async function pickFile(): Promise<boolean> {
    if (!state.entity) return false
    state.previewError = null
    let picked: { path: string; name: string } | null
    try {
      picked = await host.pickImportFile()
    } catch (err) {
      state.previewError = locatedOf(err)
      state.step = 'file'
      return false
    }
    if (!picked) return false
    clearFile()
    state.file = picked
    state.step = 'file'
    await preview()
    return true
  }

  async function preview(sheet?: string) {
    if (!state.entity || !state.file) return
    state.previewing = true
    state.previewError = null
    const wanted = sheet ?? state.sheet
    try {
      const p = await api.imports.preview({
        entity: state.entity,
        path: state.file.path,
        fileName: state.file.name,
        format: state.format,
        ...(wanted ? { sheet: wanted } : {}),
      })
      state.preview = p
      state.sheet = wanted ?? p.sheets[0] ?? null
      state.mapping = Object.fromEntries(p.fields.map((f) => [f.field, p.mapping[f.field] ?? null]))
    } catch (err) {
      state.preview = null
      state.previewError = locatedOf(err)
    } finally {
      state.previewing = false
    }
  }

  function resetMapping() {
    const p = state.preview
    if (p) state.mapping = Object.fromEntries(p.fields.map((f) => [f.field, p.mapping[f.field] ?? null]))
  }

  /** Runs the import; `applyOlderFor` takes the file's older state for those orders (the same file again). */
  async function run(mode: ImportMode = state.mode, applyOlderFor: string[] = []) {
    if (state.resuming) return follow((jobId) => api.imports.resume({ jobId }), state.resuming)
    if (!state.entity || !state.file || state.running) return
    const { entity, file } = state
    state.mode = mode
    await follow((jobId) =>
      api.imports.run({
        entity,
        path: file.path,
        fileName: file.name,
        format: state.format,
        ...(state.sheet ? { sheet: state.sheet } : {}),
        mode,
        mapping: state.mapping,
        saveMapping: state.saveMapping,
        ...(entity === 'orders' ? { olderOrders: state.olderOrders, applyOlderFor, rates: ratesOf(state.rates) } : {}),
        jobId,
      }),
    )
  }

  /** Resumes an import a crash or a cancel left unfinished, by its job id alone; its progress and result show as a run's. */
  async function resume(job: ImportJobSummary) {
    if (state.running) return
    clearFile()
    state.entity = job.entity
    state.file = { path: '', name: job.fileName }
    state.mode = job.mode
    state.resuming = job.jobId
    await follow((jobId) => api.imports.resume({ jobId }), job.jobId)
  }

  async function follow(work: (jobId: string) => Promise<ImportResult>, jobId?: string) {
    if (state.running) return
    state.running = true
    state.runError = null
    state.cancelled = false
    state.progress = { phase: 'starting', done: 0, total: state.preview?.totalRows ?? 0 }
    state.step = 'mode'
    try {
      state.result = await job.run('import', work, (p) => (state.progress = { phase: p.phase, done: p.done, total: p.total, message: p.message }), jobId)
      state.step = 'result'
    } catch (err) {
      // A cancelled run wrote nothing: no error to show; the history offers to resume it.
      if (wasCancelled(err)) state.cancelled = true
      else state.runError = locatedOf(err)
    } finally {
      state.running = false
      state.progress = null
      state.runs++
    }
  }

  /** Back to the start, keeping what is being imported: the common next move is another file of the same kind. */
  function startOver() {
    clearFile()
    state.mode = 'all-or-nothing'
    state.olderOrders = 'keep'
    state.rates = []
    state.step = 'what'
  }

  function goTo(step: Step) {
    if (state.running) return
    // A resumed import has no file or mapping here to go back to: leaving it starts afresh.
    if (state.resuming && step !== 'mode' && step !== 'result') clearFile()
    state.step = step
  }

  const wizard = { state, job, missingRequired, stepIndex, chooseEntity, chooseFormat, pickFile, preview, resetMapping, run, resume, startOver, goTo }
  return wizard
}

export type ImportWizard = ReturnType<typeof createImportWizard>
const KEY: InjectionKey<ImportWizard> = Symbol('import-wizard')

export function provideImportWizard(): ImportWizard {
  const wizard = createImportWizard()
  provide(KEY, wizard)
  return wizard
}

export function useImportWizard(): ImportWizard {
  const wizard = inject(KEY)
  if (!wizard) throw new Error('useImportWizard() outside the import view')
  return wizard
}

/** Whether a report download is in flight, per import id (the result panel and the history share it). */
export const downloading = ref(new Set<string>())

/**
 * A run's errors: its error file — the refused rows as the file held them, with the reason
 * in the console's language, to fix and import again (a workbook for a workbook). A run
 * from before error files were kept gets the list of located errors instead. Warnings are
 * always a list.
 */
export async function downloadReport(importId: string, kind: 'errors' | 'warnings', sourceName: string): Promise<void> {
  const key = kind === 'errors' ? importId : `${importId}:warnings`
  downloading.value = new Set(downloading.value).add(key)
  try {
    if (kind === 'errors') {
      try {
        // Named for the file imported, and of its kind: a workbook's rows come back as a workbook.
        const defaultName = `${sourceName.replace(/\.[^.]+$/, '')}-错误行.${/\.xlsx$/i.test(sourceName) ? 'xlsx' : 'csv'}`
        await host.saveGenerated(defaultName, (path) => api.imports.errorFile({ importId, lang: readerLang(), path }))
        return
      } catch (err) {
        if (!(err instanceof OrchardClientError) || err.code !== 'no_error_file') throw err
      }
    }
    const { fileName, csv } = await api.imports.reportCsv({ importId, kind })
    host.downloadText(fileName, csv)
  } finally {
    const next = new Set(downloading.value)
    next.delete(key)
    downloading.value = next
  }
}

/** The rate rows as the contract takes them; rows left blank are no rate (the core checks code and number). */
export function ratesOf(rows: { key: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(rows.filter((r) => r.key.trim() && r.value.trim()).map((r) => [r.key.trim().toUpperCase(), r.value.trim()]))
}
