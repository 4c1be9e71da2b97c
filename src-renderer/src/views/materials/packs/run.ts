import { computed, onBeforeUnmount, onMounted, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { useDialog, useMessage } from 'naive-ui'
import type { Finding, PackGenerateInput, PackJob } from '@shared/contracts/materials'
import { api, errorMessage, onEvent, OrchardClientError } from '@/api/client'
import { formatDateTime } from '@/format/time'
import { useVocabulary } from '@/composables/recordLabels'
import { replacedRuns } from './request'
import { runTime } from './status'

export interface PackRunOptions {
  /** A run the screen follows has just finished: its packs are worth opening. */
  finished(job: PackJob): Promise<void> | void
  /** A run the screen follows changed otherwise (cancelled, failed). */
  changed(job: PackJob): void
}

/**
 * The run being made (started, cancelled, resumed, its progress) and the list of runs. The core
 * runs packs as a durable job and answers at once; progress comes as events, and the job's row
 * is read again now and then because events can be missed.
 */
export function usePackRun(options: PackRunOptions) {
  const { t } = useI18n()
  const message = useMessage()
  const dialog = useDialog()
  const { half } = useVocabulary()

  const run = ref<PackJob | null>(null)
  const progress = ref<{ done: number; total: number; rate: number; eta?: number } | null>(null)
  const jobs = ref<PackJob[] | null>(null)
  const busy = ref(false)
  /** The checker's findings: from a check, a refused start, or the warnings of the run shown. */
  const findings = ref<Finding[] | null>(null)
  const running = computed(() => run.value?.status === 'running')
  const tookMs = computed(() => (run.value ? runTime(run.value) : null))

  async function loadJobs() {
    try {
      jobs.value = await api.packs.jobs()
    } catch (err) {
      jobs.value ??= []
      message.error(half(errorMessage(err)))
    }
  }

  /** Shows a run the core started or resumed. */
  function follow(job: PackJob) {
    run.value = job
    progress.value = { done: job.done, total: job.total, rate: 0 }
    if (job.warnings.length) findings.value = job.warnings
    void loadJobs()
  }

  /** The run card follows an opened run unless another run is still being made. */
  function show(job: PackJob) {
    if (running.value) return
    run.value = job
    progress.value = null
  }

  /** Asks before a new run replaces the packs already in its folder (the core refuses it otherwise). */
  function confirmReplace(details: unknown): Promise<boolean> {
    const { n, last } = replacedRuns(details)
    return new Promise((resolve) => {
      dialog.warning({
        title: t('packs.replace.title'),
        content: t('packs.replace.body', { date: last?.date ?? '', at: last ? formatDateTime(last.createdAt) : '', n }),
        positiveText: t('packs.replace.confirm'),
        negativeText: t('common.actions.cancel'),
        onPositiveClick: () => resolve(true),
        onNegativeClick: () => resolve(false),
        onClose: () => resolve(false),
        onMaskClick: () => resolve(false),
      })
    })
  }

  /** Starts the packs, or resumes the run that asked for the same ones. */
  async function start(input: PackGenerateInput) {
    busy.value = true
    try {
      follow(await api.packs.start(input))
    } catch (err) {
      if (err instanceof OrchardClientError && err.code === 'pack_blocked') {
        findings.value = (err.details as { findings: Finding[] }).findings
      }
      if (err instanceof OrchardClientError && err.code === 'packs_exist') {
        busy.value = false
        if (await confirmReplace(err.details)) await start({ ...input, replace: true })
        return
      }
      message.error(half(errorMessage(err)))
    } finally {
      busy.value = false
    }
  }

  /** The cancel was answered at once; the batch stops after the files in flight, which takes a moment. */
  async function cancel() {
    busy.value = true
    try {
      for (let i = 0; i < 40 && running.value; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250))
        await refreshRun()
      }
      progress.value = null
    } finally {
      busy.value = false
    }
  }

  /** Carries on a stopped run: the core keeps what it was asked for. */
  async function resume() {
    if (!run.value) return
    busy.value = true
    try {
      follow(await api.packs.resume({ jobId: run.value.id }))
    } catch (err) {
      message.error(half(errorMessage(err)))
    } finally {
      busy.value = false
    }
  }

  /** The running job's row is the truth: events can be missed (a reconnect in browser mode). */
  async function refreshRun() {
    const id = run.value?.id
    if (!id) return
    let list: PackJob[]
    try {
      list = await api.packs.jobs()
    } catch {
      return
    }
    jobs.value = list
    const fresh = list.find((j) => j.id === id)
    if (!fresh || run.value?.id !== id) return
    const was = run.value.status
    run.value = fresh
    if (fresh.status === 'running') return
    progress.value = null
    if (fresh.status === 'done' && was === 'running') {
      message.success(t('packs.run.finished', { files: fresh.files }))
      await options.finished(fresh)
    } else {
      options.changed(fresh)
    }
  }

  let off: (() => void) | undefined
  let poll: ReturnType<typeof setInterval> | undefined
  onMounted(() => {
    off = onEvent('job.progress', (p) => {
      if (p.kind !== 'packs' || p.jobId !== run.value?.id) return
      progress.value = { done: p.done, total: p.total, rate: p.rate ?? 0, eta: p.etaSeconds }
      if (p.done >= p.total) void refreshRun()
    })
    poll = setInterval(() => {
      if (running.value) void refreshRun()
    }, 3000)
  })
  onBeforeUnmount(() => {
    off?.()
    clearInterval(poll)
  })

  return { run, progress, jobs, busy, findings, running, tookMs, loadJobs, show, start, cancel, resume, refreshRun }
}
