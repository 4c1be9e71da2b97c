import { computed, reactive, ref, shallowRef, watch, type Ref, type UnwrapNestedRefs } from 'vue'
import type { FormInst, FormItemRule } from 'naive-ui'

export interface FormModalOptions<R, F extends object, I extends object, S> {
  /** The modal's open state: each opening fills the form afresh. */
  show: Ref<boolean>
  /** The record being edited, or null for a new one. */
  record: () => R | null
  /** The form of a new record. */
  blank: () => F
  /** The form of an existing record (laid over `blank()`). */
  fromRecord?: (record: R) => Partial<F>
  /** What the form sends: trimmed text, money in fen, lists without their empty rows. */
  toInput: (form: F) => I
  /** A naive-ui form: its rules check the input, and the core's located errors are shown through `serverRule`. */
  formRef?: Ref<FormInst | null>
  /** Checks of a form without naive-ui rules: set `errors` and answer whether the input may be sent. */
  validate?: () => boolean
  /** Fields the profile may not change are never sent in an edit (the core would refuse them). */
  writable?: (field: string) => boolean
  create: (input: I) => Promise<S>
  /** Receives only the fields the person changed (and may change); a form that only adds has none. */
  update?: (record: R, patch: Partial<I>) => Promise<S>
  /** The core's refusal as messages keyed by form field; '' for one no field owns. */
  errorsOf: (err: unknown, input: I) => Record<string, string>
  /** A refusal no field owns (errorsOf found nothing). */
  failed: (err: unknown) => void
  /** After a save, before the modal closes: the success message and the parent's event. */
  saved: (saved: S, created: boolean) => void
  /** A save that leaves something to show keeps the modal open (the proposals a logged event raised). */
  keepOpen?: (saved: S) => boolean
  /** An edit that changed nothing: nothing is sent and the modal closes after this. */
  unchanged?: () => void
  /** After the form was filled for an opening (focus the first input…). */
  opened?: () => void
}

export interface FormModal<F extends object, I extends object> {
  form: UnwrapNestedRefs<F>
  /** Messages per field ('name', 'phones.0'…); '' for a problem no field owns. */
  errors: Ref<Record<string, string>>
  saving: Ref<boolean>
  /** The form would send something other than what it was opened with. */
  dirty: Ref<boolean>
  /** The fields an edit would send now. */
  changed(): Partial<I>
  submit(): Promise<void>
  /** An edited field drops its old message: the person is fixing it. */
  clearError(field: string): void
  /** A naive-ui rule that shows the core's message for a field until the next submit. */
  serverRule(field: string, show?: (text: string) => string): FormItemRule
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * The shape every form modal of the console shares: open with a record or blank, check,
 * send a new record whole or an edit's changed fields only, show the core's refusal next to
 * the field it is about, close on success. An edit sends only what changed because a field
 * shown masked (a customer's phones, for a trainer) would otherwise overwrite the real value,
 * and a field the profile may not write would be refused.
 */
export function useFormModal<R, F extends object, I extends object, S>(options: FormModalOptions<R, F, I, S>): FormModal<F, I> {
  const form = reactive(options.blank()) as UnwrapNestedRefs<F>
  const errors = ref<Record<string, string>>({})
  const saving = ref(false)
  /** What the form would have sent for the record as it was opened; null for a new one. */
  const openedInput = shallowRef<I | null>(null)
  const writable = options.writable ?? (() => true)
  const input = () => options.toInput(form as F)

  watch(
    options.show,
    (open) => {
      if (!open) return
      errors.value = {}
      const record = options.record()
      Object.assign(form, options.blank(), record && options.fromRecord ? options.fromRecord(record) : {})
      openedInput.value = record ? input() : null
      options.opened?.()
    },
    { immediate: true },
  )

  function changed(): Partial<I> {
    const now = input()
    const before = openedInput.value
    if (!before) return now
    const patch: Partial<I> = {}
    for (const key of Object.keys(now) as (keyof I & string)[]) {
      if (writable(key) && !same(now[key], before[key])) patch[key] = now[key]
    }
    return patch
  }

  const dirty = computed(() => (openedInput.value ? Object.keys(changed()).length > 0 : !same(input(), options.toInput(options.blank()))))

  async function valid(): Promise<boolean> {
    if (options.validate && !options.validate()) return false
    if (!options.formRef?.value) return true
    try {
      await options.formRef.value.validate()
      return true
    } catch {
      return false
    }
  }

  async function submit(): Promise<void> {
    if (saving.value) return
    errors.value = {}
    if (!(await valid())) return
    const record = options.record()
    const sent = input()
    const patch = record ? changed() : null
    if (record && patch && Object.keys(patch).length === 0) {
      options.unchanged?.()
      options.show.value = false
      return
    }
    saving.value = true
    try {
      const saved = record && patch && options.update ? await options.update(record, patch) : await options.create(sent)
      options.saved(saved, !record)
      if (!options.keepOpen?.(saved)) options.show.value = false
    } catch (err) {
      const located = options.errorsOf(err, sent)
      if (Object.keys(located).length === 0) {
        options.failed(err)
        return
      }
      errors.value = located
      // naive-ui shows a rule's message only when it runs: run them so the core's appear.
      options.formRef?.value?.validate().catch(() => undefined)
    } finally {
      saving.value = false
    }
  }

  function clearError(field: string) {
    if (!(field in errors.value)) return
    const next = { ...errors.value }
    delete next[field]
    errors.value = next
  }

  function serverRule(field: string, show: (text: string) => string = (text) => text): FormItemRule {
    return {
      trigger: ['input', 'change', 'blur'],
      validator: () => (errors.value[field] ? new Error(show(errors.value[field])) : true),
    }
  }

  return { form, errors, saving, dirty, changed, submit, clearError, serverRule }
}
