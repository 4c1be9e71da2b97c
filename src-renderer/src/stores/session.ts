import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Profile, SessionInfo } from '@shared/contracts/lifecycle'
import { fieldAccess as tableFieldAccess, holds, mayCall, PROTECTED_SETTINGS, type Permission, type RecordKind } from '@shared/permissions'
import type { Role } from '@shared/roles'
import type { Settings } from '@shared/schemas'
import { api, errorMessage, onEvent } from '@/api/client'

export type { Permission }

/**
 * The profile at the keyboard (运营 / 培训师 / 管理者) and the workstation's profiles.
 * Other screens read `role`, `can()`, `may()` and `seesContacts`; switching goes through
 * the header's profile switch, which asks for the PIN.
 */
export const useSessionStore = defineStore('session', () => {
  const info = ref<SessionInfo | null>(null)
  const profiles = ref<Profile[]>([])
  const error = ref('')
  /** A screen asked for another role (a locked page's "switch profile"): the header opens its switch. */
  const switchRequest = ref<{ role: Role | null; at: number } | null>(null)

  const role = computed(() => info.value?.role ?? null)
  const profileId = computed(() => info.value?.profileId ?? null)
  const name = computed(() => info.value?.name ?? null)
  const seesContacts = computed(() => info.value?.seesContacts ?? false)
  const current = computed(() => profiles.value.find((p) => p.id === profileId.value) ?? null)

  // The same permission table the core checks (src-shared/permissions.ts): the console only
  // hides what the core would refuse anyway, and the core has the last word.
  function can(permission: Permission): boolean {
    return info.value?.permissions.includes(permission) ?? false
  }
  /** Whether the profile at the keyboard may call "service.method" at all. */
  function may(method: string): boolean {
    return info.value ? mayCall(info.value.role, method) : false
  }
  /** Whether it may change this setting (where updates come from and backups are the manager's). */
  function mayChange(field: keyof Settings): boolean {
    if (!info.value) return false
    const needs = (PROTECTED_SETTINGS as Partial<Record<keyof Settings, Permission>>)[field]
    return needs ? holds(info.value.role, needs) : may('settings.update')
  }

  /**
   * What the profile may do with one field of a shared record: change it, only read it, or
   * only see it masked — the field table the core checks every write against. A form shows
   * the last two read-only and never sends them.
   */
  function fieldAccess(record: RecordKind, field: string): 'write' | 'read' | 'masked' {
    return info.value ? tableFieldAccess(info.value.role, record, field) : 'read'
  }

  async function load() {
    try {
      const [session, list] = await Promise.all([api.profiles.session(), api.profiles.list()])
      info.value = session
      profiles.value = list
      error.value = ''
    } catch (err) {
      error.value = errorMessage(err)
      throw err
    }
  }

  async function loadProfiles() {
    profiles.value = await api.profiles.list()
  }

  /** Rejects with the core's 'pin_wrong' (details.attemptsLeft) or 'profile_locked' (details.lockedUntil). */
  async function switchTo(id: string, pin: string) {
    try {
      info.value = await api.profiles.switch({ profileId: id, pin })
    } finally {
      // Failed attempts and locks changed on the profile either way.
      await loadProfiles().catch(() => undefined)
    }
  }

  async function signOut() {
    info.value = await api.profiles.signOut()
    await loadProfiles().catch(() => undefined)
  }

  function requestSwitch(wanted: Role | null = null) {
    switchRequest.value = { role: wanted, at: Date.now() }
  }

  // Another window, a restore or a reseeded studio can change who is at the keyboard.
  onEvent('session.changed', (next) => {
    info.value = next
    void loadProfiles().catch(() => undefined)
  })
  // A restore or a reseeded studio announces every record ('dashboard' among them): the profiles may be others now.
  onEvent('data.changed', ({ entities }) => {
    if (entities.includes('profiles') || entities.includes('dashboard')) void load().catch(() => undefined)
  })

  return { info, profiles, error, switchRequest, role, profileId, name, seesContacts, current, can, may, mayChange, fieldAccess, load, loadProfiles, switchTo, signOut, requestSwitch }
})
