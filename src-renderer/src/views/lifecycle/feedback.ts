import { h } from 'vue'
import { useI18n } from 'vue-i18n'
import { useDialog, useMessage } from 'naive-ui'
import { errorMessage, OrchardClientError } from '@/api/client'
import { useSessionStore } from '@/stores/session'
import { useVocabulary } from '@/composables/recordLabels'

/**
 * How the lifecycle screens and the header's profile switch report a failed call. A
 * refusal by the core ('forbidden': the profile at the keyboard may not do this) gets a
 * dialog that says who is signed in, what the action needs, and offers the profile
 * switch; anything else a message. It reads the session store, so it cannot sit among
 * the composables (the stores use those).
 */
export function useLifecycleFeedback() {
  const { t } = useI18n()
  const dialog = useDialog()
  const message = useMessage()
  const session = useSessionStore()
  const vocab = useVocabulary()

  function fail(err: unknown): void {
    if (err instanceof OrchardClientError && err.code === 'forbidden') {
      const d = dialog.warning({
        title: t('lifecycle.forbidden.title'),
        content: () =>
          h('div', { 'data-testid': 'forbidden-dialog' }, [
            h('p', { style: 'margin: 0 0 6px' }, t('lifecycle.forbidden.lead', { name: session.name ?? '—' })),
            h('p', { style: 'margin: 0; opacity: .75; font-size: 13px' }, vocab.half(err.message)),
          ]),
        positiveText: t('lifecycle.forbidden.switch'),
        negativeText: t('common.actions.close'),
        onPositiveClick: () => {
          d.destroy()
          session.requestSwitch('manager')
        },
      })
      return
    }
    message.error(errorMessage(err))
  }

  return { fail, message, dialog }
}
