/** The workstation's profiles: who is at the keyboard decides what the core allows. */
export const ROLES = ['operator', 'trainer', 'manager'] as const
export type Role = (typeof ROLES)[number]

/** The profile the core acts for; `role: null` before anyone has signed in on this core. */
export interface Session {
  profileId: string | null
  role: Role | null
  name: string | null
}
