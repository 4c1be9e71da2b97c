import type { Command } from 'commander'
import { OrchardError } from '../../src-shared/errors'
import { RECORD_FIELDS } from '../../src-shared/permissions'
import type { Customer } from '../../src-shared/schemas'
import type { OrchardCore } from '../core/api'
import { normalizePhone } from '../core/customers/phone'
import { contactsVisible } from '../core/permissions'
import { collect, UsageError, type CliContext } from './arguments'

/**
 * Signs the command in as a profile (`--profile NAME --pin PIN`): its role then applies,
 * exactly as at the console — a trainer's update of a phone is refused by the core. Without
 * them the command acts as the system, like every other `orchard` command.
 */
async function signIn(core: OrchardCore, o: { profile?: string; pin?: string }): Promise<void> {
  if (o.profile === undefined && o.pin === undefined) return
  if (!o.profile || !o.pin) throw new UsageError('--profile 与 --pin 需一起使用 / --profile and --pin go together', { option: o.profile ? '--pin' : '--profile' })
  const profiles = await core.invoke('profiles', 'list', {})
  const profile = profiles.find((p) => p.name === o.profile)
  if (!profile) {
    throw new UsageError(`没有名为「${o.profile}」的档案 / no profile named ${o.profile}`, { option: '--profile', value: o.profile, profiles: profiles.map((p) => p.name) })
  }
  await core.invoke('profiles', 'switch', { profileId: profile.id, pin: o.pin })
}

/**
 * A customer by id, phone or WeChat id. A profile that sees contacts masked finds a
 * customer by id only: looking a number up must not confirm whose it is.
 */
function customerIdOf(core: OrchardCore, key: string): string {
  const db = core.context.db
  const byId = db.prepare('SELECT id FROM customers WHERE id = ?').get(key) as { id: string } | undefined
  if (byId) return byId.id
  if (contactsVisible(core.context)) {
    const phone = normalizePhone(key)
    const byPhone = phone.ok ? (db.prepare('SELECT customer_id AS id FROM customer_phones WHERE phone = ?').get(phone.e164) as { id: string } | undefined) : undefined
    if (byPhone) return byPhone.id
    const byWechat = db.prepare('SELECT id FROM customers WHERE wechat_id = ?').get(key.trim()) as { id: string } | undefined
    if (byWechat) return byWechat.id
  }
  throw new OrchardError('not_found', `找不到客户 ${key}（按编号、手机号或微信号）/ no customer with this id, phone or WeChat id: ${key}`, { field: 'key', value: key })
}

const FIELDS = Object.keys(RECORD_FIELDS.customer)

/** `FIELD=VALUE` as the update's patch: lists split as the import splits them (phones and tags by comma, addresses by |). */
function patchOf(sets: string[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {}
  for (const set of sets) {
    const eq = set.indexOf('=')
    const field = eq < 0 ? set : set.slice(0, eq)
    if (eq < 0) throw new UsageError(`--set 应写成 字段=值 / --set takes FIELD=VALUE: ${set}`, { option: '--set', value: set })
    if (!FIELDS.includes(field)) {
      throw new UsageError(`客户没有字段 ${field}（可选 ${FIELDS.join('、')}）/ a customer has no field ${field} (${FIELDS.join(', ')})`, { option: '--set', field, value: set })
    }
    const value = set.slice(eq + 1)
    const list = (sep: RegExp) => value.split(sep).map((s) => s.trim()).filter(Boolean)
    if (field === 'phones' || field === 'tags') patch[field] = list(/[,，;；、]/)
    else if (field === 'addresses') patch[field] = list(/\|/)
    else if (field === 'wechatId' || field === 'segment' || field === 'ownerMemberId') patch[field] = value.trim() === '' ? null : value.trim()
    else patch[field] = value
  }
  if (Object.keys(patch).length === 0) throw new UsageError('至少要有一个 --set 字段=值 / at least one --set FIELD=VALUE', { option: '--set' })
  return patch
}

function printCustomer(out: (s: string) => void, c: Customer): void {
  out(`${c.name}（${c.relClass} 类）  ${c.id}`)
  out(`微信号 / WeChat: ${c.wechatId ?? '—'}`)
  out(`手机 / phones: ${c.phones.join('、') || '—'}`)
  out(`地址 / addresses: ${c.addresses.join(' | ') || '—'}`)
  out(`标签 / tags: ${c.tags.join('、') || '—'}`)
  out(`归属会员 / owner: ${c.ownerName ?? '—'}`)
  if (c.notes) out(`备注 / notes: ${c.notes}`)
}

export function registerCustomerCommands({ command, globals, open, out }: CliContext): void {
  const customers = command('customers').description('客户档案 / customer records')
  customers
    .command('show')
    .description('查看一位客户（按编号、手机号或微信号）/ show one customer (by id, phone or WeChat id)')
    .argument('<key>', '客户编号、手机号或微信号 / id, phone or WeChat id')
    .option('--profile <name>', '以此档案的身份（其角色决定能看到什么）/ act as this profile (its role decides what shows)')
    .option('--pin <pin>', '档案的 PIN / the profile’s PIN')
    .action(async (key: string, o: { profile?: string; pin?: string }, cmd: Command) => {
      const g = globals(cmd)
      const core = open(g)
      await signIn(core, o)
      const detail = await core.invoke('customers', 'get', { id: customerIdOf(core, key) })
      if (g.json) return out(JSON.stringify(detail.customer))
      printCustomer(out, detail.customer)
    })

  customers
    .command('update')
    .description('修改一位客户的字段（档案的角色决定能改什么）/ change fields of one customer (the profile’s role decides which)')
    .argument('<key>', '客户编号、手机号或微信号 / id, phone or WeChat id')
    .option('--set <field=value>', `字段=值，可重复（${FIELDS.join('、')}）/ FIELD=VALUE, repeatable`, collect, [])
    .option('--profile <name>', '以此档案的身份修改 / change as this profile')
    .option('--pin <pin>', '档案的 PIN / the profile’s PIN')
    .action(async (key: string, o: { set: string[]; profile?: string; pin?: string }, cmd: Command) => {
      const g = globals(cmd)
      const patch = patchOf(o.set)
      const core = open(g)
      await signIn(core, o)
      const customer = await core.invoke('customers', 'update', { id: customerIdOf(core, key), patch })
      if (g.json) return out(JSON.stringify(customer))
      out(`已修改客户：${customer.name}（${Object.keys(patch).join('、')}）/ customer updated: ${Object.keys(patch).join(', ')}`)
    })
}
