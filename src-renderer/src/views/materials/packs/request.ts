import type { PackGenerateInput, PackPreview } from '@shared/contracts/materials'
import type { Group } from '@shared/schemas'

export type PackWho = 'all' | 'members' | 'groups'

/** What the operator picked on the packs screen, before it becomes a request to the core. */
export interface PackForm {
  date: string
  who: PackWho
  memberIds: string[]
  groupIds: string[]
  skus: string[]
  templateIds: string[]
  zip: boolean
  video: boolean
}

/**
 * The request the core is asked to check and make. Only the picker of the chosen "who" counts
 * (members picked before switching to groups are not sent); groups alone send an empty member
 * list, because no members at all would mean every active member. Empty product and template
 * pickers are left out so the core chooses its defaults (the best sellers, the 1:1 posters).
 */
export function packRequest(form: PackForm): PackGenerateInput {
  return {
    date: form.date,
    ...(form.who === 'members' ? { members: form.memberIds } : {}),
    ...(form.who === 'groups' ? { groups: form.groupIds, members: [] } : {}),
    ...(form.skus.length ? { products: form.skus } : {}),
    ...(form.templateIds.length ? { templates: form.templateIds } : {}),
    zip: form.zip,
    video: form.video,
  }
}

/** Someone will get a pack: everyone, or at least one picked member or group. */
export function hasSomeone(form: Pick<PackForm, 'who' | 'memberIds' | 'groupIds'>): boolean {
  if (form.who === 'members') return form.memberIds.length > 0
  if (form.who === 'groups') return form.groupIds.length > 0
  return true
}

export interface ReplacedRuns {
  /** How many earlier runs wrote into the folder a new run would replace. */
  n: number
  /** The newest of them, the one the operator most likely remembers. */
  last: { date: string; createdAt: string } | null
}

/** The earlier runs a `packs_exist` refusal names in its details (read defensively: details are untyped). */
export function replacedRuns(details: unknown): ReplacedRuns {
  const jobs = (details as { jobs?: { date: string; createdAt: string }[] } | undefined)?.jobs ?? []
  return { n: jobs.length, last: jobs[jobs.length - 1] ?? null }
}

/**
 * Who posts the previewed pack: a group's pack goes out under its owner's name (群主), with the
 * group itself for the chat's member count; a member's pack under the member's own name.
 */
export function packSender(preview: PackPreview | null, groups: readonly Group[]): { group: Group | null; sender: string } {
  if (!preview) return { group: null, sender: '' }
  const group = preview.owner.kind === 'group' ? (groups.find((g) => g.id === preview.owner.id) ?? null) : null
  return { group, sender: group?.ownerName ?? preview.owner.name }
}
