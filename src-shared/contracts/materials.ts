import { z } from 'zod'
import { ReadPath, WriteFolder, WritePath } from '../filePaths'
import { command, query } from '../contractKit'
import { Day, Id, IsoTime } from '../schemas'

/**
 * The materials part of the contract: its schemas, services and events.
 * contract.ts spreads these into the one table every host serves.
 */

export const COPY_CHANNELS = ['moments', 'group', 'private'] as const
export const CopyChannel = z.enum(COPY_CHANNELS)
export type CopyChannel = z.infer<typeof CopyChannel>

/** A problem the checker found, located: which copy or poster, the offending text, and why. */
export const Finding = z.object({
  severity: z.enum(['error', 'warning']),
  code: z.enum(['forbidden_claim', 'below_price_floor', 'false_urgency', 'text_overflow', 'no_photo', 'group_qr_lapsing', 'group_qr_missing', 'mass_send_allowance', 'unknown_variable']),
  /** 'copy:moments:2' (channel and variant), 'poster:01-clean-white:slots[3]', 'product:SKU' … */
  where: z.string(),
  text: z.string(),
  why: z.string(),
  productSku: z.string().nullable(),
})
export type Finding = z.infer<typeof Finding>

export const PackGenerateInput = z.object({
  date: Day,
  /** Member ids or invite codes; absent (and no groups named): every active member. */
  members: z.array(z.string().min(1)).max(5000).optional(),
  /** Group ids or names: a pack per group (its owner's invite QR, the group's own QR code, the group's copy and schedule). */
  groups: z.array(z.string().min(1)).max(500).optional(),
  /** Template ids; absent: the 1:1 defaults. */
  templates: z.array(z.string().min(1)).max(20).optional(),
  /** Product SKUs; absent: the day's best sellers of the last 30 days. */
  products: z.array(z.string().min(1)).max(30).optional(),
  /** Output folder; absent: the data folder's packs/<date>. */
  out: WriteFolder.optional(),
  /** Also write one zip per member. */
  zip: z.boolean().default(false),
  /** A slideshow video per product (made once, shared by every pack). */
  video: z.boolean().default(false),
  /**
   * The folder already holds another run's packs (the same day made again with other
   * products, say): replace them whole. Without it such a run is refused (packs_exist),
   * so a folder never holds posters of one run beside the manifest of another.
   */
  replace: z.boolean().default(false),
})
export type PackGenerateInput = z.input<typeof PackGenerateInput>

export const PackJob = z.object({
  id: Id,
  date: Day,
  /**
   * interrupted: left running by a process that stopped (a crash, kill -9); resuming it (or
   * generating the same packs again) finishes it. replaced: a newer run for the same folder
   * took its place and its files were removed.
   */
  status: z.enum(['running', 'done', 'failed', 'cancelled', 'interrupted', 'replaced']),
  out: z.string(),
  done: z.number().int(),
  total: z.number().int(),
  members: z.number().int(),
  files: z.number().int(),
  bytes: z.number().int(),
  warnings: z.array(Finding),
  /** True when the job took more than one run: it was resumed after a cancel, a failure or a crash (nothing finished was made again). */
  resumed: z.boolean(),
  /** Time spent producing, summed over the job's runs (and the one under way). */
  durationMs: z.number(),
  /** Why the last run stopped, for a failed or cancelled job. */
  error: z.string().nullable(),
  createdAt: IsoTime,
  /** The run that replaced this one. */
  replacedBy: Id.nullable(),
  /** When the run's packs went to members' pages on the team's server (null: not yet). */
  published: z.object({ at: IsoTime, packs: z.number().int(), files: z.number().int() }).nullable(),
})
export type PackJob = z.infer<typeof PackJob>

export const PackOwnerKind = z.enum(['member', 'group'])

/** One pack of a job: a member's or a group's folder. */
export const PackOwner = z.object({
  kind: PackOwnerKind,
  id: Id,
  name: z.string(),
  /** The folder inside the job's output: the member's invite code, or 群-<group name>. */
  folder: z.string(),
  inviteCode: z.string().nullable(),
  done: z.number().int(),
  total: z.number().int(),
})
export type PackOwner = z.infer<typeof PackOwner>

export const PackImage = z.object({
  file: z.string(),
  kind: z.enum(['poster', 'comparison', 'collage', 'groupQr']),
  productSku: z.string().nullable(),
  productName: z.string().nullable(),
  /** A small JPEG as a data: URL, for the phone preview. */
  thumb: z.string(),
})

export const PackScheduleSlot = z.object({
  key: z.string(),
  day: Day,
  from: z.string(),
  to: z.string(),
  title: z.string(),
  what: z.string(),
  /** A mass send in the group (counts against its monthly allowance). */
  massSend: z.boolean(),
})

/** A pack as its member (or group) will see it: the 9-grid, the copy per channel, the schedule. */
export const PackPreview = z.object({
  jobId: Id,
  date: Day,
  owner: PackOwner,
  images: z.array(PackImage),
  videos: z.array(z.object({ file: z.string(), productSku: z.string(), bytes: z.number().int() })),
  /** Private-chat texts come once per tone of the member's customers (segment), or once for everyone (tone null). */
  copy: z.array(z.object({ productSku: z.string(), productName: z.string(), channel: CopyChannel, tone: z.string().nullable(), text: z.string() })),
  schedule: z.array(PackScheduleSlot),
  /** The group's WeChat QR code in this pack and when it lapses. */
  groupQr: z.object({ expiresAt: IsoTime, lapsed: z.boolean() }).nullable(),
  allowance: z.object({ monthly: z.number().int(), used: z.number().int(), planned: z.number().int(), exceeds: z.boolean() }).nullable(),
})
export type PackPreview = z.infer<typeof PackPreview>

/** Something about the material library that needs attention soon (a group QR code about to lapse). */
export const MaterialsAlert = z.object({
  code: z.enum(['group_qr_lapsing', 'group_qr_lapsed', 'group_qr_missing']),
  groupId: Id,
  groupName: z.string(),
  expiresAt: IsoTime.nullable(),
  message: z.string(),
})

export const PriceComparison = z.object({
  id: Id,
  productId: Id,
  source: z.string(),
  priceFen: z.number().int(),
  observedOn: Day,
  url: z.string(),
  note: z.string(),
  createdAt: IsoTime,
})
export type PriceComparison = z.infer<typeof PriceComparison>
export const PriceComparisonInput = z.object({
  productId: Id,
  source: z.string().trim().min(1).max(40),
  priceFen: z.number().int().positive(),
  observedOn: Day,
  url: z.string().trim().max(500).default(''),
  note: z.string().trim().max(200).default(''),
})

export const BuyerPhoto = z.object({
  id: Id,
  productId: Id,
  customerId: Id.nullable(),
  customerName: z.string().nullable(),
  caption: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  thumb: z.string(),
  /** False while the photo's image, added on another workstation of the team, is not downloaded yet (the next sync round brings it). */
  downloaded: z.boolean(),
  createdAt: IsoTime,
})
export type BuyerPhoto = z.infer<typeof BuyerPhoto>
export const BuyerPhotoInput = z.object({
  productId: Id,
  customerId: Id.nullable().optional(),
  caption: z.string().trim().max(60).default(''),
  /** The photo: a file on this machine (CLI, desktop) or its bytes as base64 (browser upload). */
  path: ReadPath.optional(),
  dataBase64: z.string().max(20_000_000).optional(),
  fileName: z.string().max(200).optional(),
})

export const GroupQr = z.object({
  id: Id,
  groupId: Id,
  payload: z.string(),
  uploadedAt: IsoTime,
  expiresAt: IsoTime,
  lapsed: z.boolean(),
  thumb: z.string(),
})
export type GroupQr = z.infer<typeof GroupQr>
export const GroupQrInput = z.object({
  groupId: Id,
  path: ReadPath.optional(),
  dataBase64: z.string().max(20_000_000).optional(),
  fileName: z.string().max(200).optional(),
  /** When WeChat made the code (it lapses 7 days later); absent: now. */
  madeAt: IsoTime.optional(),
})

export const CopyTemplateRow = z.object({ id: Id, channel: CopyChannel, tone: z.string(), body: z.string(), position: z.number().int(), active: z.boolean() })

/** A poster template and whether it ships with Orchard (read-only) or is the studio's own. */
export const TemplateRecord = z.object({ builtin: z.boolean(), template: z.record(z.string(), z.unknown()) })

export const materialsContract = {
  packs: {
    /** The checker alone: what would block or warn for this day's packs. */
    check: query(PackGenerateInput, z.array(Finding)),
    /** Generates (or resumes) the day's packs as a durable job; refuses with the findings when the checker blocks. */
    generate: command(PackGenerateInput, PackJob),
    jobs: query(z.object({}).strict().optional().default({}), z.array(PackJob)),
    /** Starts (or resumes) the job and answers at once; progress arrives as job.progress events. */
    start: command(PackGenerateInput, PackJob),
    /** Resumes a stopped job (cancelled, failed, interrupted) by its id, with what it was asked for; answers at once. */
    resume: command(z.object({ jobId: Id }), PackJob),
    owners: query(z.object({ jobId: Id }), z.array(PackOwner)),
    preview: query(z.object({ jobId: Id, folder: z.string().min(1) }), PackPreview),
    alerts: query(z.object({}).strict().optional().default({}), z.array(MaterialsAlert)),
    /** The poster templates a pack can use: the shipped ones and the studio's own. */
    templates: query(z.object({}).strict().optional().default({}), z.array(z.object({ id: z.string(), name: z.string(), shape: z.enum(['1:1', '3:4', '9:16']), builtin: z.boolean() }))),
    /**
     * One pack (its folder) as a zip — the run's own zip when it made one — or, without a
     * folder, the whole run with its shared videos; written to `path`, or into exports/
     * for browser mode to download.
     */
    download: command(z.object({ jobId: Id, folder: z.string().min(1).max(200).optional(), path: WritePath.optional() }), z.object({ path: z.string(), fileName: z.string(), bytes: z.number().int() })),
  },
  posterTemplates: {
    list: query(
      z.object({}).strict().optional().default({}),
      z.array(z.object({ id: z.string(), name: z.string(), shape: z.enum(['1:1', '3:4', '9:16']), builtin: z.boolean(), basedOn: z.string().nullable(), updatedAt: IsoTime.nullable() })),
    ),
    /** The whole template (as JSON data: layout, slots, colours, fonts, text). */
    get: query(z.object({ id: z.string().min(1) }), TemplateRecord),
    /** A copy as the studio's own, to edit (shipped templates are read-only). */
    duplicate: command(z.object({ id: z.string().min(1) }), TemplateRecord),
    /** Validated by the renderer's own schema; refused with the path, value and why. */
    save: command(z.object({ id: z.string().min(1), template: z.unknown() }), TemplateRecord),
    archive: command(z.object({ id: z.string().min(1) }), z.object({ ok: z.literal(true) })),
    /** A half-size picture of a template (saved or being edited) with a real product of the studio. */
    preview: query(z.object({ template: z.unknown(), productId: Id.optional() }), z.object({ image: z.string() })),
  },
  copyTemplates: {
    /** Every variant per channel and tone (a new studio starts with the shipped ones). */
    list: query(z.object({}).strict().optional().default({}), z.array(CopyTemplateRow)),
    /** Create (no id) or change a variant; refused when the checker finds an error in it. */
    save: command(z.object({ id: Id.optional(), channel: CopyChannel, tone: z.string(), body: z.string().trim().min(1).max(500), active: z.boolean().default(true) }), CopyTemplateRow),
    remove: command(z.object({ id: Id }), z.object({ ok: z.literal(true) })),
    /** A variant rendered with a real product's values, and what the checker says about it. */
    try: query(z.object({ body: z.string().max(500), productId: Id.optional() }), z.object({ text: z.string(), findings: z.array(Finding) })),
    /** The forbidden absolute claims the checker looks for (editable). */
    words: query(z.object({}).strict().optional().default({}), z.array(z.string())),
    setWords: command(z.object({ words: z.array(z.string().max(20)).max(300) }), z.array(z.string())),
  },
  comparisons: {
    list: query(z.object({ productId: Id }), z.array(PriceComparison)),
    add: command(PriceComparisonInput, PriceComparison),
    remove: command(z.object({ id: Id }), z.object({ ok: z.literal(true) })),
    /** The comparison image as it would go into a pack (a data: URL), or the reason it cannot be made. */
    render: query(z.object({ productId: Id }), z.object({ image: z.string() })),
  },
  buyerPhotos: {
    list: query(z.object({ productId: Id }), z.array(BuyerPhoto)),
    add: command(BuyerPhotoInput, BuyerPhoto),
    remove: command(z.object({ id: Id }), z.object({ ok: z.literal(true) })),
    render: query(z.object({ productId: Id }), z.object({ image: z.string() })),
  },
  groupQr: {
    get: query(z.object({ groupId: Id }), GroupQr.nullable()),
    upload: command(GroupQrInput, GroupQr),
  },
} as const

export const materialsEvents = {} as const
