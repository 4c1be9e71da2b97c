import { useI18n } from 'vue-i18n'
import { useMessage } from 'naive-ui'
import type { CustomerFilter } from '@shared/schemas'
import type { ExportEntity } from '@shared/vocabulary'
import { host } from '@/api/host'
import { useCancellableJob, wasCancelled } from './jobProgress'

/**
 * An export the person may cancel while it writes: `jobId` feeds CancelJobButton, and a
 * cancelled export resolves to null with a note that nothing was left behind.
 */
export function useExportJob() {
  const { t } = useI18n()
  const message = useMessage()
  const job = useCancellableJob()
  async function exportTo(entity: ExportEntity, format: 'csv' | 'xlsx', filter?: CustomerFilter, columns?: string[]): Promise<{ fileName: string; rows: number } | null> {
    try {
      return await job.run('export', (jobId) => host.saveExport(entity, format, filter, columns, jobId))
    } catch (err) {
      if (!wasCancelled(err)) throw err
      message.info(t('common.jobs.cancelled'))
      return null
    }
  }
  return { exportJobId: job.jobId, exporting: job.running, exportTo }
}
