
/** The workstation's profiles: who is at the keyboard decides what the core allows. */
export const ROLES = ['operator', 'trainer', 'manager'] as const
export type Role = (typeof ROLES)[number]

/**
 * Who acted: a profile's role, or `system` for the core's own scheduled work and the
 * `orchard` command (which reads and evaluates, and never approves anything).
 */
export type ActorRole = Role | 'system'

export const ROLE_LABELS: Record<ActorRole, { zh: string; en: string }> = {
  operator: { zh: '运营', en: 'Operator' },
  trainer: { zh: '培训师', en: 'Trainer' },
  manager: { zh: '管理者', en: 'Manager' },
  system: { zh: '系统', en: 'System' },
}

/** The profile the core acts for; `role: null` while no profile exists on this workstation yet. */
export interface Session {
  profileId: string | null
  role: ActorRole | null
  name: string | null
}
