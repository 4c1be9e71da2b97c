// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import { useFormModal } from './formModal'

interface Customer {
  id: string
  name: string
  phone: string
  notes: string
}

const wang: Customer = { id: 'c1', name: '王芳', phone: '138****5678', notes: '' }

/** A customer form as the console has it: the phone is shown masked and may not be written. */
function customerForm(record: Customer | null, { writable = (field: string) => field !== 'phone', refuse = null as unknown, keepOpen = undefined as ((saved: Customer) => boolean) | undefined } = {}) {
  const show = ref(false)
  const calls: { method: string; arg: unknown }[] = []
  const said: string[] = []
  const modal = useFormModal({
    show,
    record: () => record,
    blank: () => ({ name: '', phone: '', notes: '' }),
    fromRecord: (c: Customer) => ({ name: c.name, phone: c.phone, notes: c.notes }),
    toInput: (f) => ({ name: f.name.trim(), phone: f.phone.trim(), notes: f.notes }),
    validate: () => {
      if (modal.form.name.trim()) return true
      modal.errors.value = { name: '请填写姓名 / Name is required' }
      return false
    },
    writable,
    create: (input) => {
      calls.push({ method: 'create', arg: input })
      return refuse ? Promise.reject(refuse) : Promise.resolve({ id: 'new', ...input })
    },
    update: (c, patch) => {
      calls.push({ method: 'update', arg: { id: c.id, patch } })
      // The save button spins while the core works.
      said.push(`saving: ${modal.saving.value}`)
      return refuse ? Promise.reject(refuse) : Promise.resolve({ ...c, ...patch })
    },
    errorsOf: (err) => ((err as { field?: string }).field ? { [(err as { field: string }).field]: (err as Error).message } : {}),
    failed: (err) => said.push(`failed: ${(err as Error).message}`),
    unchanged: () => said.push('unchanged'),
    saved: (saved, created) => said.push(`${created ? 'created' : 'saved'} ${saved.name}`),
    keepOpen,
  })
  return { show, modal, calls, said }
}

async function open(show: { value: boolean }) {
  show.value = true
  await nextTick()
}

describe('a form modal', () => {
  it('opens with the record, knows when it was changed, and sends only the changed fields', async () => {
    const { show, modal, calls, said } = customerForm(wang)
    await open(show)
    expect(modal.form).toMatchObject({ name: '王芳', phone: '138****5678', notes: '' })
    expect(modal.dirty.value).toBe(false)

    modal.form.notes = '喜欢面霜'
    expect(modal.dirty.value).toBe(true)
    await modal.submit()

    // The masked phone is never sent back: it would overwrite the real number.
    expect(calls).toEqual([{ method: 'update', arg: { id: 'c1', patch: { notes: '喜欢面霜' } } }])
    expect(said).toEqual(['saving: true', 'saved 王芳'])
    expect(modal.saving.value).toBe(false)
    expect(show.value).toBe(false)
  })

  it('never sends a field the profile may not write, even when it was typed over', async () => {
    const { show, modal, calls, said } = customerForm(wang)
    await open(show)
    modal.form.phone = '13912345678'
    expect(modal.changed()).toEqual({})
    await modal.submit()
    expect(calls).toEqual([])
    expect(said).toEqual(['unchanged'])
    expect(show.value).toBe(false)
  })

  it('sends a new record whole and starts blank on every opening', async () => {
    const { show, modal, calls, said } = customerForm(null, { writable: () => true })
    await open(show)
    modal.form.name = ' 李雷 '
    modal.form.phone = '13800001111'
    await modal.submit()
    expect(calls).toEqual([{ method: 'create', arg: { name: '李雷', phone: '13800001111', notes: '' } }])
    expect(said).toEqual(['created 李雷'])
    await open(show)
    expect(modal.form).toMatchObject({ name: '', phone: '', notes: '' })
    expect(modal.dirty.value).toBe(false)
  })

  it('stays open after a save that leaves something to show', async () => {
    const { show, modal, calls, said } = customerForm(null, { writable: () => true, keepOpen: (saved) => saved.name === '李雷' })
    await open(show)
    modal.form.name = '李雷'
    await modal.submit()
    expect(said).toEqual(['created 李雷'])
    expect(show.value).toBe(true)
    modal.form.name = '韩梅梅'
    await modal.submit()
    expect(calls.map((c) => c.arg)).toEqual([
      { name: '李雷', phone: '', notes: '' },
      { name: '韩梅梅', phone: '', notes: '' },
    ])
    expect(show.value).toBe(false)
  })

  it('sends nothing while its own checks fail, and stays open with the message on the field', async () => {
    const { show, modal, calls } = customerForm(wang)
    await open(show)
    modal.form.name = '  '
    await modal.submit()
    expect(calls).toEqual([])
    expect(modal.errors.value).toEqual({ name: '请填写姓名 / Name is required' })
    expect(show.value).toBe(true)
    modal.clearError('name')
    expect(modal.errors.value).toEqual({})
  })

  it('shows the core refusal next to its field, or says it when no field owns it, and stays open', async () => {
    const located = Object.assign(new Error('微信号已被使用 / WeChat id already used'), { field: 'name' })
    const first = customerForm(wang, { refuse: located })
    await open(first.show)
    first.modal.form.name = '王芳芳'
    await first.modal.submit()
    expect(first.modal.errors.value).toEqual({ name: '微信号已被使用 / WeChat id already used' })
    expect(first.modal.saving.value).toBe(false)
    expect(first.show.value).toBe(true)
    expect(first.said).toEqual(['saving: true'])
    // A fresh opening drops the old messages.
    first.show.value = false
    await nextTick()
    await open(first.show)
    expect(first.modal.errors.value).toEqual({})

    const second = customerForm(wang, { refuse: new Error('数据库已锁定 / Database locked') })
    await open(second.show)
    second.modal.form.notes = '新备注'
    await second.modal.submit()
    expect(second.said).toEqual(['saving: true', 'failed: 数据库已锁定 / Database locked'])
    expect(second.modal.errors.value).toEqual({})
    expect(second.show.value).toBe(true)
  })
})
