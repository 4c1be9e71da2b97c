import { OrchardError } from '../../src-shared/errors'
import { holds, PERMISSIONS, type Actor, type Permission } from '../../src-shared/permissions'
import { seesContacts } from '../../src-shared/permissions'
import { ROLE_LABELS, type ActorRole, type Session } from '../../src-shared/roles'
import type { CoreContext } from './context'

export { PERMISSIONS, permissionsOf, type Permission } from '../../src-shared/permissions'

export function can(session: Session, permission: Permission): boolean {
  return holds(session.role, permission)
}

/**
 * Refuses the call unless the profile at the keyboard holds `permission`. `method` names
 * the contract method in the error, so the console can say exactly what was refused.
 * The core checks every call's method this way before its handler runs (api.ts); handlers
 * call it themselves only for checks that depend on the data (someone else's PIN).
 */
export function requirePermission(ctx: CoreContext, permission: Permission, method: string, details?: Record<string, unknown>): void {
  if (can(ctx.session, permission)) return
  // Who to switch to: `system` is the command line and `null` a workstation without profiles, not someone at the keyboard.
  const needs = (PERMISSIONS[permission] as readonly Actor[]).filter((r): r is ActorRole => r !== null && r !== 'system')
  const role = ctx.session.role
  const who = role ? `${ROLE_LABELS[role].zh}（${ctx.session.name ?? role}）` : '未登录'
  const whoEn = role ? `${ROLE_LABELS[role].en} (${ctx.session.name ?? role})` : 'nobody signed in'
  throw new OrchardError(
    'forbidden',
    `${who}无权执行此操作，需要：${needs.map((r) => ROLE_LABELS[r].zh).join('、')} / ${whoEn} may not do this; needs: ${needs.map((r) => ROLE_LABELS[r].en).join(', ')}`,
    { method, role, needs, permission, ...details },
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

/** wxid_0hiydn60yims53 → wx****53: enough to tell two apart, not enough to add the person. */
export function maskWechatId(id: string): string {
  if (id.length <= 4) return '****'
  return `${id.slice(0, 2)}****${id.slice(-2)}`
}

/**
 * A customer-shaped value with phones, addresses and WeChat id masked for roles that do not need them.
 * A customer known only by a phone (an order import without a buyer name names them by it)
 * has that name masked too.
 */
export function maskContacts<T extends { name: string; phones: string[]; addresses: string[]; wechatId?: string | null }>(ctx: CoreContext, customer: T): T {
  if (contactsVisible(ctx)) return customer
  return {
    ...customer,
    ...(customer.wechatId ? { wechatId: maskWechatId(customer.wechatId) } : {}),
    name: maskPhoneName(ctx, customer.name),
    phones: customer.phones.map(maskPhone),
    addresses: customer.addresses.map(maskAddress),
  }
}

/** A name that is a phone number (+8613812348000, 138 1234 8000). */
export const PHONE_NAME = /^\+?\d[\d\s-]{6,}\d$/

/** A customer's or buyer's name, masked when it is a phone number and the role sees phones masked. */
export function maskPhoneName<T extends string | null>(ctx: CoreContext, name: T): T {
  if (name === null || contactsVisible(ctx) || !PHONE_NAME.test(name)) return name
  return maskPhone(name.replace(/[\s-]/g, '')) as T
}

/** a.buyer@example.com → a****@example.com */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  return at > 0 ? `${email[0]}****${email.slice(at)}` : '****'
}

export function maskBuyerPhone<
  T extends { buyerPhone: string | null; buyerName: string | null; customerName: string | null; buyerEmail?: string | null; buyerAddress?: string | null },
>(ctx: CoreContext, order: T): T {
  if (contactsVisible(ctx)) return order
  return {
    ...order,
    // A number kept as the file gave it (no phone plan's) has no shape to keep part of: all of it is hidden.
    buyerPhone: order.buyerPhone && (/^\+\d{7,}$/.test(order.buyerPhone) ? maskPhone(order.buyerPhone) : '****'),
    ...(order.buyerEmail ? { buyerEmail: maskEmail(order.buyerEmail) } : {}),
    ...(order.buyerAddress ? { buyerAddress: maskAddress(order.buyerAddress) } : {}),
    buyerName: maskPhoneName(ctx, order.buyerName),
    customerName: maskPhoneName(ctx, order.customerName),
  }
}

/** A member's phone, masked like a customer's for roles that do not see contact details. */
export function maskMemberPhone<T extends { phone: string | null; wechatId?: string | null }>(ctx: CoreContext, member: T): T {
  if (contactsVisible(ctx)) return member
  return {
    ...member,
    ...(member.phone ? { phone: maskPhone(member.phone) } : {}),
    ...(member.wechatId ? { wechatId: maskWechatId(member.wechatId) } : {}),
  }
}

/**
 * Masked values are never written back: a form (or an older console) that sends a record
 * back as the role saw it carries "138****8000" where the phone was. Each value that is the
 * masked form of a current one stands for that current value, unchanged — matched by
 * position first, because two addresses in one city mask alike (浙江省杭州市****) and each
 * must stay itself. Anything else is a change, which the field table then judges (a role
 * that sees a field masked may not change it) and a masked rendering is refused outright.
 */
export function unmask(ctx: CoreContext, values: string[], current: string[], mask: (v: string) => string): string[] {
  if (contactsVisible(ctx)) return values
  return values.map((v, i) => (current[i] !== undefined && mask(current[i]) === v ? current[i] : (current.find((c) => mask(c) === v) ?? v)))
}
