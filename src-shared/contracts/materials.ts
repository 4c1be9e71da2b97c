import { z } from 'zod'
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
  code: z.enum(['forbidden_claim', 'below_price_floor', 'false_urgency', 'text_overflow', 'no_photo']),
  /** 'copy:moments:2' (channel and variant), 'poster:01-clean-white:slots[3]', 'product:SKU' … */
  where: z.string(),
  text: z.string(),
  why: z.string(),
  productSku: z.string().nullable(),
})
export type Finding = z.infer<typeof Finding>

export const PackGenerateInput = z.object({
  date: Day,
  /** Member ids or invite codes; absent: every active member. */
  members: z.array(z.string().min(1)).max(5000).optional(),
  /** Template ids; absent: the 1:1 defaults. */
  templates: z.array(z.string().min(1)).max(20).optional(),
  /** Product SKUs; absent: the day's best sellers of the last 30 days. */
  products: z.array(z.string().min(1)).max(30).optional(),
  /** Output folder; absent: the data folder's packs/<date>. */
  out: z.string().optional(),
  /** Also write one zip per member. */
  zip: z.boolean().default(false),
})

export const PackJob = z.object({
  id: Id,
  date: Day,
  status: z.enum(['running', 'done', 'failed', 'cancelled']),
  out: z.string(),
  done: z.number().int(),
  total: z.number().int(),
  members: z.number().int(),
  files: z.number().int(),
  bytes: z.number().int(),
  warnings: z.array(Finding),
  /** True when this run continued an interrupted one (nothing finished was made again). */
  resumed: z.boolean(),
  durationMs: z.number(),
  createdAt: IsoTime,
})
export type PackJob = z.infer<typeof PackJob>

export const materialsContract = {
  packs: {
    /** The checker alone: what would block or warn for this day's packs. */
    check: query(PackGenerateInput, z.array(Finding)),
    /** Generates (or resumes) the day's packs as a durable job; refuses with the findings when the checker blocks. */
    generate: command(PackGenerateInput, PackJob),
    jobs: query(z.object({}).strict().optional().default({}), z.array(PackJob)),
  },
} as const

export const materialsEvents = {} as const
