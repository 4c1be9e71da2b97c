import { materialsContract } from '../../../src-shared/contracts/materials'
import type { CoreArea } from '../coreArea'
import type { ServiceHandlers } from '../context'
import { adoptLocalFiles } from './photos'
import { checkPacks, generatePacks, listPackJobs, liveCodesOf, planPacks, resumePacks, startPacks, stopAllPacks } from './packs'
import { downloadPacks } from './packs/download'
import { packOwners, packPreview } from './preview'
import {
  addBuyerPhoto,
  addComparison,
  buyerPhotoFiles,
  comparisonEntries,
  getGroupQr,
  groupQrAlerts,
  listBuyerPhotos,
  listComparisons,
  removeBuyerPhoto,
  removeComparison,
  uploadGroupQr,
} from './sources'
import type { PosterTemplate } from '../../../src-shared/materials/templates'
import { dayIn } from '../clock'
import { maskPhoneName } from '../permissions'
import { forbiddenWords } from './copy'
import { listCopyTemplates, removeCopyTemplate, saveCopyTemplate, seedCopyTemplates, setForbiddenWords, tryCopy } from './copyStore'
import { seedMaterialsDemo } from './demo'
import { allTemplates, archiveTemplate, duplicateTemplate, findTemplate, listTemplates, previewTemplate, saveTemplate } from './templateStore'
import { productForRender, renderBuyerShow, renderPriceComparison } from './singles'

type Services = keyof typeof materialsContract

const asRecord = (r: { template: PosterTemplate; builtin: boolean }) => ({ builtin: r.builtin, template: r.template as unknown as Record<string, unknown> })

/** The materials services, one handler per contract method. */
export const materialsHandlers: { [S in Services]: ServiceHandlers<S> } = {
  packs: {
    check: (input, ctx) => checkPacks(ctx.db, planPacks(ctx.db, ctx.paths.dataDir, input, liveCodesOf(ctx))),
    generate: (input, ctx) => generatePacks(ctx, input),
    start: (input, ctx) => startPacks(ctx, input),
    resume: (input, ctx) => resumePacks(ctx, input.jobId),
    jobs: (_input, ctx) => listPackJobs(ctx.db),
    owners: (input, ctx) => packOwners(ctx.db, ctx.paths.dataDir, input.jobId),
    preview: (input, ctx) => packPreview(ctx.db, ctx.paths.dataDir, input.jobId, input.folder, ctx.clock.now()),
    alerts: (_input, ctx) => groupQrAlerts(ctx),
    templates: (_input, ctx) => allTemplates(ctx.db).map((t) => ({ id: t.id, name: t.name, shape: t.shape, builtin: !t.id.startsWith('own-') })),
    download: (input, ctx) => downloadPacks(ctx, input),
  },
  posterTemplates: {
    list: (_input, ctx) => listTemplates(ctx.db),
    get: (input, ctx) => asRecord(findTemplate(ctx.db, input.id)),
    duplicate: (input, ctx) => asRecord(duplicateTemplate(ctx, input.id)),
    save: (input, ctx) => asRecord(saveTemplate(ctx, input.id, input.template)),
    archive: (input, ctx) => archiveTemplate(ctx, input.id),
    preview: (input, ctx) => previewTemplate(ctx, input.template, input.productId),
  },
  copyTemplates: {
    list: (_input, ctx) => listCopyTemplates(ctx.db),
    save: (input, ctx) => saveCopyTemplate(ctx, input),
    remove: (input, ctx) => removeCopyTemplate(ctx, input.id),
    try: (input, ctx) => tryCopy(ctx.db, input.body, input.productId),
    words: (_input, ctx) => forbiddenWords(ctx.db),
    setWords: (input, ctx) => setForbiddenWords(ctx, input.words),
  },
  comparisons: {
    list: (input, ctx) => listComparisons(ctx.db, input.productId),
    add: (input, ctx) => addComparison(ctx, input),
    remove: (input, ctx) => removeComparison(ctx, input.id),
    render: async (input, ctx) => ({ image: await renderPriceComparison(productForRender(ctx.db, input.productId), comparisonEntries(ctx.db, input.productId, dayIn(ctx.timezone(), ctx.clock.now()))) }),
  },
  buyerPhotos: {
    list: async (input, ctx) => (await listBuyerPhotos(ctx, input.productId)).map((p) => ({ ...p, customerName: maskPhoneName(ctx, p.customerName) })),
    add: async (input, ctx) => {
      const photo = await addBuyerPhoto(ctx, input)
      return { ...photo, customerName: maskPhoneName(ctx, photo.customerName) }
    },
    remove: (input, ctx) => removeBuyerPhoto(ctx, input.id),
    render: async (input, ctx) => ({ image: await renderBuyerShow(productForRender(ctx.db, input.productId), buyerPhotoFiles(ctx.db, input.productId)) }),
  },
  groupQr: {
    get: (input, ctx) => getGroupQr(ctx, input.groupId),
    upload: async (input, ctx) => {
      const qr = await uploadGroupQr(ctx, input)
      // A live code shows the new image as soon as the server has it.
      void ctx.pagesExchange?.()
      return qr
    },
  },
}

export const materialsArea: CoreArea = {
  start(ctx) {
    try {
      seedCopyTemplates(ctx.db, ctx.clock.now().toISOString())
    } catch {
      // A read-only or busy database: packs fall back to the shipped copy until the next start.
    }
    try {
      adoptLocalFiles(ctx.db, ctx.clock.now())
    } catch {
      // A read-only or busy database: the pictures stay under their paths (still shown here) until the next start.
    }
  },
  async stop(ctx) {
    await stopAllPacks(ctx)
  },
  clearStudio(ctx) {
    // Photos the studio added stay in the data folder's photos/ until removed there; only their records go.
    ctx.db.prepare(`DELETE FROM jobs WHERE kind = 'packs'`).run()
    for (const table of ['poster_templates', 'group_mass_sends', 'group_qr_codes', 'buyer_photos', 'price_comparisons']) ctx.db.prepare(`DELETE FROM ${table}`).run()
  },
  seedDemo: (ctx, options) => seedMaterialsDemo(ctx, options),
}
