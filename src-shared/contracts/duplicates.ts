/**
 * Duplicate customers (查重): found by the same phone, WeChat id, or name and address;
 * merged into the customer the person keeps, with a preview of which value wins per
 * field; every merge kept so it can be undone exactly. This workstation's part of the
 * contract: contract.ts spreads it into the one table every host serves.
 *
 * Stable for the console: names are added, never renamed.
 */
import { z } from 'zod'
import { command, query } from '../contractKit'
import { Customer, Fen, Id, IsoTime, Page, Paging } from '../schemas'

/** Why customers look like one person: the same phone (E.164), the same WeChat id (case and spaces aside), the same name at the same address. */
export const DuplicateReason = z.enum(['phone', 'wechat', 'nameAddress'])
export type DuplicateReason = z.infer<typeof DuplicateReason>

export const DuplicateGroup = z.object({
  /** Stable for the same customers: the console keys its rows by it. */
  key: z.string(),
  /** Each reason with the value the customers share, masked for a role that sees contacts masked. */
  reasons: z.array(z.object({ reason: DuplicateReason, value: z.string() })),
  customers: z.array(Customer),
})
export type DuplicateGroup = z.infer<typeof DuplicateGroup>

export const DuplicateFindQuery = z.object({
  reason: DuplicateReason.optional(),
  ...Paging,
})

/** The customer fields a merge decides, in the order the preview lists them. */
export const MERGE_FIELDS = ['name', 'wechatId', 'phones', 'addresses', 'tags', 'relClass', 'segment', 'ownerMemberId', 'notes'] as const
export type MergeField = (typeof MERGE_FIELDS)[number]
/** Fields whose values can be joined: phones, addresses and tags united without duplicates, notes one after the other. */
export const JOINABLE_FIELDS: readonly MergeField[] = ['phones', 'addresses', 'tags', 'notes']

/** Whose value a field keeps: the survivor's, the merged-away customer's, or both joined. */
export const MergeChoice = z.enum(['survivor', 'merged', 'both'])
export type MergeChoice = z.infer<typeof MergeChoice>
export const MergeChoices = z.object(Object.fromEntries(MERGE_FIELDS.map((f) => [f, MergeChoice.optional()])) as Record<MergeField, z.ZodOptional<typeof MergeChoice>>).strict()

export const MergeInput = z.object({
  /** The customer who stays: keeps its id, takes the other's orders, groups and history. */
  survivorId: Id,
  /** The customer merged away (deleted; restored by an undo). */
  mergedId: Id,
  /** Per field, whose value wins; a field left out takes the default (the survivor's when it has one, else the other's; lists joined). */
  choices: MergeChoices.default({}),
})
export type MergeInput = z.input<typeof MergeInput>

const FieldValue = z.union([z.string(), z.array(z.string()), z.null()])
export const MergePreview = z.object({
  survivor: Customer,
  merged: Customer,
  fields: z.array(
    z.object({
      field: z.enum(MERGE_FIELDS),
      survivor: FieldValue,
      merged: FieldValue,
      /** What the survivor holds after the merge with this choice. */
      result: FieldValue,
      choice: MergeChoice,
      /** The choices that make a difference here (none when both hold the same). */
      options: z.array(MergeChoice),
    }),
  ),
  /** What re-points from the merged-away customer to the survivor, per kind of record. */
  moves: z.array(z.object({ kind: z.string(), count: z.number().int() })),
  /** The survivor's figures afterwards: both customers' orders counted once. */
  figures: z.object({ orderCount: z.number().int(), totalSpentFen: Fen, lastPurchaseAt: IsoTime.nullable() }),
})
export type MergePreview = z.infer<typeof MergePreview>

export const CustomerMerge = z.object({
  id: Id,
  survivorId: Id,
  survivorName: z.string(),
  mergedId: Id,
  mergedName: z.string(),
  mergedAt: IsoTime,
  mergedBy: z.string().nullable(),
  moves: z.array(z.object({ kind: z.string(), count: z.number().int() })),
  undoneAt: IsoTime.nullable(),
  undoneBy: z.string().nullable(),
})
export type CustomerMerge = z.infer<typeof CustomerMerge>

export const duplicatesContract = {
  duplicates: {
    /** Groups of customers that look like one person, with why; paged. */
    find: query(DuplicateFindQuery, Page(DuplicateGroup)),
    /** Which value wins per field, what moves, and the figures afterwards: nothing is written. */
    preview: query(MergeInput, MergePreview),
    /** One transaction through the records' write path: fields role-checked and recorded, references re-pointed, the merged-away customer deleted, audited. */
    merge: command(MergeInput, z.object({ merge: CustomerMerge, customer: Customer })),
    /** Restores the merged-away customer, its fields and every re-pointed reference; audited. */
    undo: command(z.object({ mergeId: Id }), z.object({ merge: CustomerMerge, survivor: Customer, restored: Customer })),
    /** The latest merges, newest first, to look back at or undo. */
    merges: query(z.object({ ...Paging }), Page(CustomerMerge)),
  },
} as const
