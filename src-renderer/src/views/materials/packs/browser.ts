import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { useMessage } from 'naive-ui'
import type { PackJob, PackOwner } from '@shared/contracts/materials'
import { api, errorMessage } from '@/api/client'
import { host } from '@/api/host'
import { useLoaded } from '@/composables/loaded'
import { useVocabulary } from '@/composables/recordLabels'

/**
 * Going through one run's packs: its owners (members and groups), the pack of the one chosen
 * as it will look on their phone, and a pack as a zip. Clicking through owners quickly sends
 * overlapping reads; only the last one chosen may fill the phone.
 */
export function usePackBrowser() {
  const { t } = useI18n()
  const message = useMessage()
  const { half } = useVocabulary()

  const opened = ref<PackJob | null>(null)
  const owners = ref<PackOwner[] | null>(null)
  const folder = ref<string | null>(null)
  const phoneTab = ref<'moments' | 'group'>('moments')
  const downloading = ref<string | null>(null)

  const preview = useLoaded(() => api.packs.preview({ jobId: opened.value!.id, folder: folder.value! }), {
    // A group's pack is first of all what its chat will show.
    onLoaded: (p) => {
      if (p.owner.kind === 'group') phoneTab.value = 'group'
    },
  })

  async function choose(f: string) {
    if (!opened.value) return
    folder.value = f
    await preview.load()
  }

  async function open(job: PackJob) {
    opened.value = job
    owners.value = null
    preview.value.value = null
    folder.value = null
    preview.error.value = ''
    try {
      const list = await api.packs.owners({ jobId: job.id })
      if (opened.value?.id !== job.id) return
      owners.value = list
      if (list.length) await choose(list[0].folder)
    } catch (err) {
      owners.value = []
      message.error(half(errorMessage(err)))
    }
  }

  /** One pack as a zip: saved where the desktop's dialog says, or downloaded in browser mode. */
  async function download(f: string) {
    const job = opened.value
    if (!job) return
    downloading.value = f
    try {
      const file = await host.saveGenerated(`${f}.zip`, (path) => api.packs.download({ jobId: job.id, folder: f, path }))
      if (file) message.success(t('packs.run.downloaded', { file }))
    } catch (err) {
      message.error(half(errorMessage(err)))
    } finally {
      downloading.value = null
    }
  }

  return { opened, owners, folder, phoneTab, downloading, preview: preview.value, previewLoading: preview.loading, previewError: preview.error, open, choose, download }
}
