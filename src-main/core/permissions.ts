import { LEDGER_PERMISSION_ROLES } from '../../src-shared/contracts/ledger'
import { OrchardError } from '../../src-shared/errors'
import { ROLE_LABELS, seesContacts, type ActorRole, type Session } from '../../src-shared/roles'
import type { CoreContext } from './context'

/**
 * What each role may do. Enforced in the core (every host gets the same answer), and
 * sent to the console so it can hide what would be refused anyway.
 *  - operators run the day's care, log member activity and group rituals;
 *  - trainers edit care plans and onboarding kits, and generate kits;
 *  - managers do all of that, and alone write rules, decide approvals and appeals,
 *    change care thresholds and manage the workstation's profiles;
 *  - `system` (the `orchard` command and the core's scheduled work) reads, plans,
 *    evaluates rules and generates kits — it never approves or decides anything.
 */
export const PERMISSIONS = {
  'care.work': ['operator', 'trainer', 'manager'],
  'care.plan': ['operator', 'trainer', 'manager', 'system'],
  'care.read': ['operator', 'trainer', 'manager', 'system'],
  'plans.edit': ['trainer', 'manager'],
  'triggers.edit': ['manager'],
  'events.log': ['operator', 'trainer', 'manager'],
  'temperature.log': ['operator', 'manager'],
  'rules.read': ['operator', 'trainer', 'manager', 'system'],
  'rules.edit': ['manager'],
  'rules.evaluate': ['manager', 'system'],
  'actions.read': ['operator', 'trainer', 'manager', 'system'],
  'actions.decide': ['manager'],
  'appeals.file': ['operator', 'trainer', 'manager'],
  'appeals.decide': ['manager'],
  'audit.read': ['manager', 'system'],
  'audit.export': ['manager', 'system'],
  'kits.edit': ['trainer', 'manager'],
  'kits.generate': ['trainer', 'manager', 'system'],
  'profiles.manage': ['manager'],
  'ledger.post': ['operator', 'manager', 'system'],
  'ledger.money': ['operator', 'manager', 'system'],
  'schemes.edit': ['manager'],
  'payouts.manage': ['manager'],
  // The ledger's money: reading payables, closing months, withdrawals, payout batches.
  ...LEDGER_PERMISSION_ROLES,
} as const satisfies Record<string, readonly ActorRole[]>
export type Permission = keyof typeof PERMISSIONS

export function permissionsOf(role: ActorRole | null): Permission[] {
  if (!role) return []
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => (PERMISSIONS[p] as readonly ActorRole[]).includes(role))
}

export function can(session: Session, permission: Permission): boolean {
  return session.role !== null && (PERMISSIONS[permission] as readonly ActorRole[]).includes(session.role)
}

/**
 * Refuses the call unless the profile at the keyboard holds `permission`. `method` names
 * the contract method in the error, so the console can say exactly what was refused.
 */
export function requirePermission(ctx: CoreContext, permission: Permission, method: string): void {
  if (can(ctx.session, permission)) return
  const needs = PERMISSIONS[permission] as readonly ActorRole[]
  const role = ctx.session.role
  const who = role ? `${ROLE_LABELS[role].zh}（${ctx.session.name ?? role}）` : '未登录'
  const whoEn = role ? `${ROLE_LABELS[role].en} (${ctx.session.name ?? role})` : 'nobody signed in'
  throw new OrchardError(
    'forbidden',
    `${who}无权执行此操作，需要：${needs.map((r) => ROLE_LABELS[r].zh).join('、')} / ${whoEn} may not do this; needs: ${needs.map((r) => ROLE_LABELS[r].en).join(', ')}`,
    { method, role, needs, permission },
  )
}

// ---------------------------------------------------------------- personal data masking

/** 13812348000 / +8613812348000 → 138****8000 (country code kept when present). */
export function maskPhone(phone: string): string {
  const m = phone.match(/^(\+86)?(\d{3})\d+(\d{4})$/)
  if (m) return `${m[1] ?? ''}${m[2]}****${m[3]}`
  const digits = phone.replace(/\D/g, '')
  if (digits.length <= 4) return '****'
  return `${phone.slice(0, Math.min(4, phone.length - 4))}****${phone.slice(-4)}`
}

/**
 * Keeps the province and city, hides the rest: 广东省深圳市南山区科技园… → 广东省深圳市****.
 * Addresses without recognisable divisions keep their first six characters.
 */
export function maskAddress(address: string): string {
  const m = address.match(/^(.{2,9}?(?:省|自治区|特别行政区))?(.{1,9}?(?:市|自治州|地区|盟))?/)
  const kept = `${m?.[1] ?? ''}${m?.[2] ?? ''}`
  if (kept) return `${kept}****`
  return `${address.slice(0, Math.min(6, Math.max(0, address.length - 4)))}****`
}

/** Whether the profile at the keyboard sees customers' contact details in full. */
export function contactsVisible(ctx: CoreContext): boolean {
  return seesContacts(ctx.session.role)
}

/** A customer-shaped value with phones and addresses masked for roles that do not need them. */
/** Refuses a call that would hand out contact details in full (exports) to a role that sees them masked. */
export function requireContacts(ctx: CoreContext, method: string): void {
  if (contactsVisible(ctx)) return
  const role = ctx.session.role
  throw new OrchardError(
    'forbidden',
    `${role ? ROLE_LABELS[role].zh : '未登录'}看不到客户的完整联系方式，不能导出 / ${role ? ROLE_LABELS[role].en : 'nobody signed in'}: contact details are masked for this role, so they cannot be exported`,
    { method, role, needs: ['operator', 'manager'] },
  )
}

export function maskContacts<T extends { phones: string[]; addresses: string[] }>(ctx: CoreContext, customer: T): T {
  if (contactsVisible(ctx)) return customer
  return { ...customer, phones: customer.phones.map(maskPhone), addresses: customer.addresses.map(maskAddress) }
}

export function maskBuyerPhone<T extends { buyerPhone: string | null }>(ctx: CoreContext, order: T): T {
  if (contactsVisible(ctx) || !order.buyerPhone) return order
  return { ...order, buyerPhone: maskPhone(order.buyerPhone) }
}
