import { useI18n } from 'vue-i18n'
import { useMessage } from 'naive-ui'
import { copyText } from '@/composables/clipboard'

/** Every text of a pack is one click from the clipboard; the operator is told whether it worked. */
export function usePackCopy(): (text: string) => Promise<void> {
  const { t } = useI18n()
  const message = useMessage()
  return async (text: string) => {
    try {
      await copyText(text)
      message.success(t('packs.phone.copied'))
    } catch {
      message.error(t('packs.phone.copyFailed'))
    }
  }
}
