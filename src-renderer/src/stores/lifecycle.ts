import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Group, Member } from '@shared/schemas'
import { api, onEvent } from '@/api/client'
import { memberOptions } from '@/composables/recordLabels'

/**
 * What the lifecycle screens share: the team and the groups for pickers (loaded once,
 * refreshed when the records change), and the approvals still waiting for a manager.
 */
export const useLifecycleStore = defineStore('lifecycle', () => {
  const members = ref<Member[]>([])
  const groups = ref<Group[]>([])
  const pending = ref({ actions: 0, appeals: 0 })
  let membersLoaded: Promise<void> | null = null
  let groupsLoaded: Promise<void> | null = null

  function loadMembers(force = false): Promise<void> {
    if (!membersLoaded || force) {
      membersLoaded = api.members.all().then(
        (all) => void (members.value = all),
        (err) => {
          membersLoaded = null
          throw err
        },
      )
    }
    return membersLoaded
  }
  function loadGroups(force = false): Promise<void> {
    if (!groupsLoaded || force) {
      groupsLoaded = api.groups.list({}).then(
        (all) => void (groups.value = all),
        (err) => {
          groupsLoaded = null
          throw err
        },
      )
    }
    return groupsLoaded
  }

  const memberChoices = computed(() => memberOptions(members.value))
  const groupChoices = computed(() => groups.value.map((g) => ({ label: g.name, value: g.id })).sort((a, b) => a.label.localeCompare(b.label, 'zh-CN')))

  async function loadPending() {
    const [actions, appeals] = await Promise.all([api.approvals.list({ status: ['proposed'], limit: 1 }), api.approvals.appeals({ status: ['open'] })])
    pending.value = { actions: actions.total, appeals: appeals.length }
  }

  onEvent('approvals.pending', (p) => (pending.value = p))
  onEvent('data.changed', ({ entities }) => {
    if (membersLoaded && entities.includes('members')) void loadMembers(true).catch(() => undefined)
    if (groupsLoaded && entities.includes('groups')) void loadGroups(true).catch(() => undefined)
  })

  return { members, groups, pending, memberChoices, groupChoices, loadMembers, loadGroups, loadPending }
})
