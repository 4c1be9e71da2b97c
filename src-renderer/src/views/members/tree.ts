import type { Member } from '@shared/schemas'

/** A member placed in the mentor tree (师徒树). Leaves carry no `children` key, so the table shows no expander. */
export interface TeamNode extends Member {
  children?: TeamNode[]
  /** Everyone below this member, at every depth. */
  teamSize: number
}

export interface Team {
  roots: Member[]
  byId: Map<string, Member>
  childrenOf: Map<string, Member[]>
  teamSize: Map<string, number>
}

const byName = (a: Member, b: Member) => a.joinDate.localeCompare(b.joinDate) || a.name.localeCompare(b.name, 'zh-CN')

/**
 * Builds the tree from the flat list. A mentor who is not in the list (removed, or
 * outside the data imported so far) makes the member a root instead of hiding them,
 * and a loop in bad data is broken rather than followed forever.
 */
export function indexTeam(members: Member[]): Team {
  const byId = new Map(members.map((m) => [m.id, m]))
  const childrenOf = new Map<string, Member[]>()
  const rootMembers: Member[] = []
  for (const m of members) {
    if (m.mentorId && m.mentorId !== m.id && byId.has(m.mentorId)) {
      const list = childrenOf.get(m.mentorId) ?? []
      list.push(m)
      childrenOf.set(m.mentorId, list)
    } else {
      rootMembers.push(m)
    }
  }
  for (const list of childrenOf.values()) list.sort(byName)
  rootMembers.sort(byName)

  const teamSize = new Map<string, number>()
  const visiting = new Set<string>()
  const sizeOf = (id: string): number => {
    const known = teamSize.get(id)
    if (known !== undefined) return known
    if (visiting.has(id)) return 0
    visiting.add(id)
    let n = 0
    for (const c of childrenOf.get(id) ?? []) n += 1 + sizeOf(c.id)
    visiting.delete(id)
    teamSize.set(id, n)
    return n
  }
  for (const m of members) sizeOf(m.id)

  // Members caught in a mentor loop are reachable from no root; surface them as roots.
  const reached = new Set<string>()
  const walk = (id: string) => {
    if (reached.has(id)) return
    reached.add(id)
    for (const c of childrenOf.get(id) ?? []) walk(c.id)
  }
  for (const r of rootMembers) walk(r.id)
  for (const m of members) {
    if (!reached.has(m.id)) {
      rootMembers.push(m)
      walk(m.id)
    }
  }

  return { roots: rootMembers, byId, childrenOf, teamSize }
}

/** The tree limited to `visible` ids (matches and their ancestors); `null` keeps everyone. */
export function buildNodes(team: Team, visible: Set<string> | null): TeamNode[] {
  const roots = team.roots.filter((r) => !visible || visible.has(r.id))
  return roots.map((r) => toNode(r, team.childrenOf, team.teamSize, visible, new Set()))
}

function toNode(m: Member, childrenOf: Map<string, Member[]>, teamSize: Map<string, number>, visible: Set<string> | null, seen: Set<string>): TeamNode {
  seen.add(m.id)
  const kids = (childrenOf.get(m.id) ?? []).filter((c) => !seen.has(c.id) && (!visible || visible.has(c.id)))
  const node: TeamNode = { ...m, teamSize: teamSize.get(m.id) ?? 0 }
  if (kids.length) node.children = kids.map((c) => toNode(c, childrenOf, teamSize, visible, seen))
  return node
}

/** The chain of mentors above a member, nearest first. */
export function ancestorsOf(team: Team, id: string): string[] {
  const out: string[] = []
  const seen = new Set<string>([id])
  let cur = team.byId.get(id)?.mentorId ?? null
  while (cur && team.byId.has(cur) && !seen.has(cur)) {
    out.push(cur)
    seen.add(cur)
    cur = team.byId.get(cur)?.mentorId ?? null
  }
  return out
}

/** Ids of members with apprentices: what "expand all" opens. */
export function branchIds(team: Team): string[] {
  return [...team.childrenOf.keys()]
}
