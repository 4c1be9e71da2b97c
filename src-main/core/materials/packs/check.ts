import type { Finding } from '../../../../src-shared/contracts/materials'
import { timeIn } from '../../../../src-shared/time'
import type { Db } from '../../db/connection'
import { studioTimeZone } from '../../settings/settings'
import { checkText, forbiddenWords, renderCopy } from '../copy'
import { activeCopy } from '../copyStore'
import { productPhotos } from '../photos'
import { allowanceNote, allowanceOf, copyProduct, copyValues, groupQrState, packSchedule, posterProduct } from './content'
import { liveCodeFor } from './plan'
import type { PackPlan } from './types'

/**
 * The checker over everything a day's packs would say, before anything is produced:
 * absolute claims, prices below the floor, urgency that is not true, products without a
 * photo; for groups, a QR code that lapses and a day over the mass-send allowance.
 */
export function checkPacks(db: Db, plan: PackPlan): Finding[] {
  const { request, owners, products } = plan
  const words = forbiddenWords(db)
  const copyRows = activeCopy(db)
  const zone = studioTimeZone(db)
  const findings: Finding[] = []
  for (const p of products) {
    if (!productPhotos(p, db).length) {
      findings.push({ severity: 'error', code: 'no_photo', where: `product:${p.sku}`, text: p.images, why: '商品没有可用的照片，无法生成海报 / the product has no photo to put on a poster', productSku: p.sku })
    }
    const badge = posterProduct(p, '').badge ?? ''
    findings.push(...checkText(`${p.name} ${badge} ¥${p.sale_price_fen / 100}`, `poster:${p.sku}`, copyProduct(p), words))
    for (const c of copyRows) {
      findings.push(...checkText(renderCopy(c.body, { ...copyValues(p, '会员'), brand: p.brand }), `copy:${c.channel}:${c.tone}:${c.position + 1}`, copyProduct(p), words))
    }
  }
  for (const owner of owners.filter((o) => o.kind === 'group')) {
    const qr = groupQrState(db, owner, request.date)
    const where = `group:${owner.name}`
    // A live code never lapses: it shows whichever image is valid, or the owner's contact.
    if (liveCodeFor(plan, owner.id)) {
      // nothing to warn about the 7-day image
    } else if (!qr) {
      findings.push({ severity: 'warning', code: 'group_qr_missing', where, text: owner.name, why: '这个群还没有上传群二维码，素材包里不会有它 / no group QR code uploaded: the pack goes without one', productSku: null })
    } else if (qr.state !== 'ok') {
      const at = timeIn(zone, new Date(qr.expiresAt))
      findings.push({
        severity: 'warning',
        code: 'group_qr_lapsing',
        where,
        text: qr.expiresAt,
        why:
          qr.state === 'lapsed'
            ? `群二维码 ${at} 失效，早于这天第一次发布（${qr.firstPost}），素材包不附带它；请重新生成并上传 / the group QR code stops working at ${at}, before the day's first post (${qr.firstPost}), and is left out: make and upload a new one`
            : `群二维码将于 ${at} 过期，请在这之前重新生成 / the group QR code lapses on ${at}: make a new one before then`,
        productSku: null,
      })
    }
    const allowance = allowanceOf(db, owner, request.date, packSchedule(owner, request.date, products))!
    if (allowance.exceeds) {
      findings.push({ severity: 'warning', code: 'mass_send_allowance', where, text: `${allowance.used + allowance.planned}/${allowance.monthly}`, why: `${allowanceNote(allowance)} / the day's plan exceeds the group's monthly mass-send allowance`, productSku: null })
    }
  }
  return findings
}
