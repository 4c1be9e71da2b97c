import { actorOf } from '../audit/audit'
import type { CoreContext, ServiceHandlers } from '../context'
import { maskAddress, maskContacts, maskPhone, maskWechatId, contactsVisible } from '../permissions'
import { changeWriter } from '../records/changes'
import { findDuplicates, listMerges, mergeCustomers, previewMerge, undoMerge, type Masking } from './merge'

/** Values as the signed-in role sees them: a role that sees contacts masked finds duplicates by phone, but sees the phone masked. */
function masking(ctx: CoreContext): Masking {
  const visible = contactsVisible(ctx)
  return {
    customer: (c) => maskContacts(ctx, c),
    phone: (p) => (visible ? p : maskPhone(p)),
    wechat: (w) => (visible ? w : maskWechatId(w)),
    address: (a) => (visible ? a : maskAddress(a)),
  }
}

export const duplicatesHandlers: ServiceHandlers<'duplicates'> = {
  find: (q, ctx) => findDuplicates(ctx.db, q, masking(ctx)),

  preview: (input, ctx) => {
    const preview = previewMerge(ctx.db, input)
    const mask = masking(ctx)
    return { ...preview, survivor: mask.customer(preview.survivor), merged: mask.customer(preview.merged) }
  },

  merge: (input, ctx) => {
    const result = mergeCustomers(changeWriter(ctx), actorOf(ctx), input)
    ctx.emit('data.changed', { entities: ['customers', 'orders', 'groups'] })
    return { ...result, customer: maskContacts(ctx, result.customer) }
  },

  undo: ({ mergeId }, ctx) => {
    const result = undoMerge(changeWriter(ctx), actorOf(ctx), mergeId)
    ctx.emit('data.changed', { entities: ['customers', 'orders', 'groups'] })
    return { ...result, survivor: maskContacts(ctx, result.survivor), restored: maskContacts(ctx, result.restored) }
  },

  merges: (q, ctx) => listMerges(ctx.db, q),
}
