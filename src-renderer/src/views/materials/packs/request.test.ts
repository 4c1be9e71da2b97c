import { describe, expect, it } from 'vitest'
import { Group, type Group as GroupRow } from '@shared/schemas'
import { PackGenerateInput, type PackPreview } from '@shared/contracts/materials'
import { hasSomeone, packRequest, packSender, replacedRuns, type PackForm } from './request'

const form = (over: Partial<PackForm> = {}): PackForm => ({
  date: '2026-12-08',
  who: 'all',
  memberIds: [],
  groupIds: [],
  skus: [],
  templateIds: [],
  zip: false,
  video: false,
  ...over,
})

const stamp = new Date(0).toISOString()
const group = (over: Partial<GroupRow>): GroupRow =>
  Group.parse({ id: 'g1', name: '宝妈群', ownerMemberId: 'm1', ownerName: '王芳', theme: '', memberCount: 212, customerCount: 0, notes: '', massSendAllowance: 4, createdAt: stamp, updatedAt: stamp, ...over })
const preview = (owner: PackPreview['owner']): PackPreview => ({ jobId: 'j1', date: '2026-12-08', owner, images: [], videos: [], copy: [], schedule: [], groupQr: null, allowance: null })

describe('the request the packs screen sends', () => {
  it('asks for every active member when nobody is picked, and lets the core choose products and templates', () => {
    const request = packRequest(form({ memberIds: ['m9'], groupIds: ['g9'] }))
    expect(request).toEqual({ date: '2026-12-08', zip: false, video: false })
    expect(PackGenerateInput.safeParse(request).success).toBe(true)
  })

  it('sends only the picker of the chosen audience, and groups alone with an empty member list', () => {
    expect(packRequest(form({ who: 'members', memberIds: ['m1', 'm2'], groupIds: ['g1'] }))).toEqual({ date: '2026-12-08', members: ['m1', 'm2'], zip: false, video: false })
    const groups = packRequest(form({ who: 'groups', memberIds: ['m1'], groupIds: ['g1'], skus: ['SKU-1'], templateIds: ['poster-3x4'], zip: true, video: true }))
    expect(groups).toEqual({ date: '2026-12-08', groups: ['g1'], members: [], products: ['SKU-1'], templates: ['poster-3x4'], zip: true, video: true })
    expect(PackGenerateInput.safeParse(groups).success).toBe(true)
  })

  it('needs someone to make packs for before it checks or generates', () => {
    expect(hasSomeone(form())).toBe(true)
    expect(hasSomeone(form({ who: 'members', groupIds: ['g1'] }))).toBe(false)
    expect(hasSomeone(form({ who: 'members', memberIds: ['m1'] }))).toBe(true)
    expect(hasSomeone(form({ who: 'groups', memberIds: ['m1'] }))).toBe(false)
    expect(hasSomeone(form({ who: 'groups', groupIds: ['g1'] }))).toBe(true)
  })
})

describe('the runs a new run would replace', () => {
  it('names the newest of them and how many there are, and nothing when the refusal says nothing', () => {
    const details = { jobs: [{ date: '2026-12-08', createdAt: '2026-12-07T01:00:00.000Z' }, { date: '2026-12-08', createdAt: '2026-12-07T09:30:00.000Z' }] }
    expect(replacedRuns(details)).toEqual({ n: 2, last: details.jobs[1] })
    expect(replacedRuns(undefined)).toEqual({ n: 0, last: null })
    expect(replacedRuns({ other: true })).toEqual({ n: 0, last: null })
  })
})

describe('who posts a previewed pack', () => {
  it("shows a group's pack under its owner's name and a member's under their own", () => {
    const groups = [group({ id: 'g1', ownerName: '王芳' }), group({ id: 'g2', name: '无主群', ownerMemberId: null, ownerName: null })]
    const owned = packSender(preview({ kind: 'group', id: 'g1', name: '宝妈群', folder: '群-宝妈群', inviteCode: null, done: 3, total: 3 }), groups)
    expect(owned.sender).toBe('王芳')
    expect(owned.group?.memberCount).toBe(212)
    expect(packSender(preview({ kind: 'group', id: 'g2', name: '无主群', folder: '群-无主群', inviteCode: null, done: 0, total: 3 }), groups).sender).toBe('无主群')
    const member = packSender(preview({ kind: 'member', id: 'g1', name: '李娜', folder: 'LN01', inviteCode: 'LN01', done: 3, total: 3 }), groups)
    expect(member).toEqual({ group: null, sender: '李娜' })
    expect(packSender(null, groups)).toEqual({ group: null, sender: '' })
  })
})
