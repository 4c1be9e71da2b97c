import type { Contract } from './contract'
import type { ActorRole } from './roles'
import type { Settings } from './schemas'

/**
 * Who may act: a profile's role, `system` (the `orchard` command and the core's own
 * scheduled work), or `null` — nobody is signed in because no profile exists yet on this
 * workstation (a new studio being set up: whoever is at the keyboard creates the first
 * profile, a manager, without a PIN, so refusing them anything else would protect nothing).
 */
export type Actor = ActorRole | null

const EVERYONE = ['operator', 'trainer', 'manager', 'system', null] as const
const PROFILES = ['operator', 'trainer', 'manager'] as const

/**
 * What each permission lets do, and who holds it. The core checks it before every call
 * (src-main/core/api.ts), the console hides what would be refused anyway, and the team
 * server reads the same table.
 *  - everyone keeps the records, materials and imports up to date, and reads the ledger;
 *  - operators run the day's care, log member activity and group rituals, post the ledger;
 *  - trainers edit care plans and onboarding kits, and generate kits;
 *  - managers do all of that, and alone replace or clear the studio, change where updates
 *    come from and whether backups run, connect the workstation to the team server, write
 *    rules, decide approvals and appeals, change care thresholds and manage the profiles;
 *  - `system` reads, plans, evaluates rules, generates kits and replaces the studio when
 *    told to from the shell — it never approves or decides anything.
 */
export const PERMISSIONS = {
  'studio.read': EVERYONE,
  'studio.edit': EVERYONE,
  /** Whatever leaves the workstation as a file; personal data has its own check per role (contacts.see). */
  'studio.export': EVERYONE,
  /** Replacing or emptying the whole studio: reseeding the demo, clearing, restoring a backup. */
  'studio.replace': ['manager', 'system', null],
  /**
   * The settings in PROTECTED_SETTINGS: where updates come from, whether and how long backups
   * are kept, and the team's time zone and currency (every day and every amount is read in them).
   */
  'settings.protect': ['manager', 'system', null],
  /** Connecting the workstation to a team server, or disconnecting it. */
  'sync.manage': ['manager', 'system', null],
  'session.use': EVERYONE,
  /**
   * The first profile is created by whoever sets the workstation up (nobody is signed in yet,
   * or the command line), every later one by a manager (checked with the data).
   */
  'profiles.create': ['manager', 'system', null],
  /** A profile's own PIN; anyone else's needs profiles.manage (checked with the data). */
  'profiles.own': PROFILES,
  'profiles.manage': ['manager'],
  'care.work': ['operator', 'trainer', 'manager'],
  'care.plan': ['operator', 'trainer', 'manager', 'system'],
  'care.read': ['operator', 'trainer', 'manager', 'system'],
  'plans.edit': ['trainer', 'manager'],
  'triggers.edit': ['manager'],
  'events.log': ['operator', 'trainer', 'manager'],
  'temperature.log': ['operator', 'manager'],
  'rules.read': ['operator', 'trainer', 'manager', 'system'],
  'rules.edit': ['manager'],
  'rules.evaluate': ['manager', 'system'],
  'actions.read': ['operator', 'trainer', 'manager', 'system'],
  'actions.decide': ['manager'],
  'appeals.file': ['operator', 'trainer', 'manager'],
  'appeals.decide': ['manager'],
  'audit.read': ['manager', 'system'],
  'audit.export': ['manager', 'system'],
  'kits.edit': ['trainer', 'manager'],
  'kits.generate': ['trainer', 'manager', 'system'],
  'ledger.post': ['operator', 'manager', 'system'],
  'ledger.money': ['operator', 'manager', 'system'],
  /** Members' payables, statements and balances: not a trainer's business, and only for someone signed in. */
  'ledger.read': ['operator', 'manager', 'system'],
  /** Closing a month (it never reopens) and the settlement window. */
  'ledger.close': ['manager'],
  'withdrawals.request': ['operator', 'manager'],
  'withdrawals.decide': ['manager'],
  /** Payout batches: made, exported with full account numbers, marked paid or failed. */
  'payouts.batch': ['manager'],
  'schemes.edit': ['manager'],
  'payouts.manage': ['manager'],
  /** Customers' and members' phones, addresses and WeChat ids in full (PIPL: only roles whose work needs them). */
  'contacts.see': ['operator', 'manager', 'system', null],
  /** Changing those contact details: only a role that sees them (a masked value must never be written back). */
  'contacts.edit': ['operator', 'manager', 'system', null],
  /** A product's SKU, stock and whether it is on sale. */
  'catalog.edit': ['operator', 'manager', 'system', null],
  /** List and sale prices and the price floor (控价). */
  'prices.edit': ['operator', 'manager', 'system', null],
  /** A product's own commission rates: they take precedence over the scheme's, so never a trainer's to set. */
  'commission.edit': ['operator', 'manager', 'system', null],
  /** The team tree: mentor, level, join date, status and invite code (what commission and care follow). */
  'members.tree': ['operator', 'manager', 'system', null],
  /** Changing many customers at once (tags, owner, class): who owns a customer decides whose care and commission follow, so not a trainer's. */
  'customers.bulk': ['operator', 'manager', 'system', null],
  /** Merging duplicate customers (and undoing a merge): moves orders and history between customers and writes contact details, so not a trainer's. */
  'customers.merge': ['operator', 'manager', 'system', null],
  /** Follow-up records on a customer: the work of the people who talk to customers, signed in (the record names who followed up). */
  'customers.followUp': ['operator', 'manager'],
  /** A leaving member's book handed to another member: owners of customers and groups and whose care tasks they are. */
  'members.handover': ['operator', 'manager', 'system', null],
  /**
   * What a rule proposes (an approval waiting for a manager): every workstation's upkeep
   * evaluates the team's rules as the studio itself, and the same rule, member and period
   * give the same proposal whichever evaluates it. Deciding stays a manager's (actions.decide).
   */
  'actions.propose': ['operator', 'trainer', 'manager', 'system'],
  /**
   * Photos customers sent of what they bought (买家秀), each naming the customer: a customer's own
   * picture is personal data, added and removed by the people who talk to customers, not trainers.
   */
  'photos.buyer': ['operator', 'manager', 'system', null],
} as const satisfies Record<string, readonly Actor[]>
export type Permission = keyof typeof PERMISSIONS

type MethodTable = { readonly [S in keyof Contract]: { readonly [M in keyof Contract[S]]: Permission } }

/**
 * The one permission table: every method of the contract and the permission it needs.
 * Declared for every method — a method missing here, or one the contract does not have,
 * fails the typecheck. Checks that depend on the data (a profile's own PIN, contact
 * details masked per role, exports of personal data) stay with the data in the core.
 */
export const METHOD_PERMISSIONS = {
  system: { info: 'studio.read', clock: 'studio.read' },
  settings: { get: 'studio.read', update: 'studio.edit' },
  dashboard: { summary: 'studio.read' },
  customers: { list: 'studio.read', get: 'studio.read', facets: 'studio.read', create: 'studio.edit', update: 'studio.edit', remove: 'studio.edit', bulk: 'customers.bulk', followUps: 'studio.read', addFollowUp: 'customers.followUp' },
  duplicates: { find: 'studio.read', preview: 'customers.merge', merge: 'customers.merge', undo: 'customers.merge', merges: 'customers.merge' },
  groups: { list: 'studio.read', get: 'studio.read', create: 'studio.edit', update: 'studio.edit' },
  products: { list: 'studio.read', get: 'studio.read', categories: 'studio.read', create: 'studio.edit', update: 'studio.edit' },
  members: { all: 'studio.read', get: 'studio.read', create: 'studio.edit', update: 'studio.edit', handoverPreview: 'studio.read', handover: 'members.handover' },
  orders: { list: 'studio.read', get: 'studio.read', assign: 'studio.edit' },
  imports: { preview: 'studio.edit', run: 'studio.edit', resume: 'studio.edit', unfinished: 'studio.read', history: 'studio.read', reportCsv: 'studio.read', errorFile: 'studio.export', template: 'studio.read' },
  exports: { run: 'studio.export' },
  backups: { list: 'studio.read', create: 'studio.edit', restore: 'studio.replace' },
  jobs: { cancel: 'studio.edit' },
  demo: { seed: 'studio.replace', clear: 'studio.replace' },
  packs: {
    check: 'studio.read',
    generate: 'studio.edit',
    jobs: 'studio.read',
    start: 'studio.edit',
    resume: 'studio.edit',
    owners: 'studio.read',
    preview: 'studio.read',
    alerts: 'studio.read',
    templates: 'studio.read',
    download: 'studio.export',
  },
  posterTemplates: { list: 'studio.read', get: 'studio.read', duplicate: 'studio.edit', save: 'studio.edit', archive: 'studio.edit', preview: 'studio.read' },
  copyTemplates: { list: 'studio.read', save: 'studio.edit', remove: 'studio.edit', try: 'studio.read', words: 'studio.read', setWords: 'studio.edit' },
  comparisons: { list: 'studio.read', add: 'studio.edit', remove: 'studio.edit', render: 'studio.read' },
  buyerPhotos: { list: 'studio.read', add: 'photos.buyer', remove: 'photos.buyer', render: 'studio.read' },
  groupQr: { get: 'studio.read', upload: 'studio.edit' },
  profiles: {
    session: 'session.use',
    list: 'session.use',
    switch: 'session.use',
    signOut: 'session.use',
    create: 'profiles.create',
    update: 'profiles.manage',
    setPin: 'profiles.own',
    unlock: 'profiles.manage',
    remove: 'profiles.manage',
  },
  care: {
    plans: 'care.read',
    savePlan: 'plans.edit',
    removePlan: 'plans.edit',
    triggers: 'care.read',
    updateTriggers: 'triggers.edit',
    plan: 'care.plan',
    calendar: 'care.read',
    task: 'care.read',
    complete: 'care.work',
    reopen: 'care.work',
    timeline: 'care.read',
    events: 'care.read',
    logEvent: 'events.log',
    removeEvent: 'events.log',
    importEvents: 'events.log',
    overview: 'care.read',
  },
  temperature: { ranking: 'care.read', series: 'care.read', log: 'temperature.log', importCsv: 'temperature.log' },
  rules: { list: 'rules.read', get: 'rules.read', create: 'rules.edit', update: 'rules.edit', archive: 'rules.edit', evaluate: 'rules.evaluate' },
  approvals: {
    list: 'actions.read',
    get: 'actions.read',
    approve: 'actions.decide',
    reject: 'actions.decide',
    appeal: 'appeals.file',
    appeals: 'actions.read',
    decideAppeal: 'appeals.decide',
  },
  audit: { list: 'audit.read', verify: 'audit.read', verifyTeam: 'audit.read', export: 'audit.export' },
  kits: { templates: 'care.read', get: 'care.read', save: 'kits.edit', remove: 'kits.edit', preview: 'kits.generate', generate: 'kits.generate' },
  ledger: {
    post: 'ledger.post',
    summary: 'ledger.read',
    statement: 'ledger.read',
    entries: 'ledger.read',
    entry: 'ledger.read',
    export: 'ledger.read',
    periods: 'ledger.read',
    closePreview: 'ledger.read',
    close: 'ledger.close',
  },
  settlement: { settings: 'ledger.read', saveSettings: 'ledger.close', balances: 'ledger.read' },
  withdrawals: { list: 'ledger.read', request: 'withdrawals.request', decide: 'withdrawals.decide' },
  payoutBatches: { list: 'ledger.read', get: 'ledger.read', create: 'payouts.batch', export: 'payouts.batch', mark: 'payouts.batch' },
  schemes: { list: 'studio.read', versions: 'studio.read', check: 'studio.read', save: 'schemes.edit' },
  fees: { list: 'studio.read', record: 'ledger.money' },
  groupBuys: { list: 'studio.read', create: 'ledger.money', decide: 'ledger.money' },
  payouts: { list: 'studio.read', save: 'payouts.manage', remove: 'payouts.manage' },
  records: { conflicts: 'studio.read', restoreConflict: 'studio.edit' },
  sync: { status: 'studio.read', enrol: 'sync.manage', syncNow: 'studio.edit', conflicts: 'studio.read', refused: 'studio.read', recordIssues: 'studio.read', forget: 'sync.manage' },
  memberPages: {
    status: 'studio.read',
    link: 'studio.read',
    issueLink: 'studio.edit',
    revokeLink: 'studio.edit',
    liveCode: 'studio.read',
    makeLiveCode: 'studio.edit',
    uploadContact: 'studio.edit',
    publish: 'studio.edit',
  },
} as const satisfies MethodTable

/** Settings that only some may change: where the app's updates come from, and whether (and how long) backups are kept. */
export const PROTECTED_SETTINGS = {
  updateFeedUrl: 'settings.protect',
  autoBackup: 'settings.protect',
  backupKeepDays: 'settings.protect',
  // What every amount the studio holds is counted in.
  currency: 'settings.protect',
  // What day it is for the whole team: the day's care, the ledger's months, every date shown.
  timezone: 'settings.protect',
  // Where every member's invite code leads (who a new member's mentor is): the team tree's.
  inviteBaseUrl: 'members.tree',
} as const satisfies Partial<Record<keyof Settings, Permission>>

// ---------------------------------------------------------------- fields of the shared records

/**
 * One field of a shared record: who may change it, who sees it in full (everyone else sees
 * it masked, and so may never write it: the table's own test holds `write` to `see`), and
 * what the audit log keeps of a change — `personal`: which field changed, never the value;
 * `value`: before and after; unset: the change is recorded (record_changes) but not audited.
 */
export interface FieldRule {
  readonly write: Permission
  readonly see?: Permission
  readonly audit?: 'personal' | 'value'
  /** The workstation's own: checked and recorded like the others, never shared with the team (see wireFields). */
  readonly local?: true
}

const edit = { write: 'studio.edit' } as const
const contact = { write: 'contacts.edit', see: 'contacts.see', audit: 'personal' } as const

/**
 * What each role may change in the shared records, field by field — declared once, read by
 * the core for every write of these records (core/records/changes.ts: console, command
 * line, imports, the demo, rule decisions), by the console for its forms, and later by the
 * team server for every change it accepts. Fields not listed here are derived (counts,
 * totals, segments) and never written by a person. A record's fields are the contract's
 * names for them.
 */
export const RECORD_FIELDS = {
  customer: {
    name: edit,
    wechatId: contact,
    phones: contact,
    addresses: contact,
    tags: edit,
    relClass: edit,
    segment: edit,
    ownerMemberId: edit,
    notes: edit,
  },
  product: {
    sku: { write: 'catalog.edit' },
    name: edit,
    brand: edit,
    category: edit,
    images: edit,
    facts: edit,
    listPriceFen: { write: 'prices.edit', audit: 'value' },
    salePriceFen: { write: 'prices.edit', audit: 'value' },
    priceFloorFen: { write: 'prices.edit', audit: 'value' },
    stock: { write: 'catalog.edit' },
    active: { write: 'catalog.edit' },
    commissionBp: { write: 'commission.edit', audit: 'value' },
    mentorCommissionBp: { write: 'commission.edit', audit: 'value' },
  },
  member: {
    name: edit,
    wechatId: contact,
    phone: contact,
    inviteCode: { write: 'members.tree', audit: 'value' },
    mentorId: { write: 'members.tree', audit: 'value' },
    level: { write: 'members.tree', audit: 'value' },
    joinDate: { write: 'members.tree', audit: 'value' },
    status: { write: 'members.tree', audit: 'value' },
    feePaidFen: { write: 'ledger.money', audit: 'value' },
  },
  group: {
    name: edit,
    ownerMemberId: edit,
    theme: edit,
    notes: edit,
    massSendAllowance: edit,
  },
  /**
   * An order as the shop's export gave it. Its lines and their refunds change with it (an
   * import replaces them, never one line alone), so they are one field, `lines`; the
   * buyer's contact details are contacts like a customer's. What commission follows —
   * status, refunds, the member it is attributed to — is audited with its values.
   */
  order: {
    orderNo: edit,
    source: edit,
    status: { write: 'studio.edit', audit: 'value' },
    placedAt: edit,
    customerId: edit,
    memberId: { write: 'studio.edit', audit: 'value' },
    attributionCode: edit,
    buyerName: edit,
    buyerPhone: contact,
    buyerEmail: contact,
    buyerAddress: contact,
    totalFen: edit,
    refundedFen: { write: 'studio.edit', audit: 'value' },
    refundedAt: edit,
    completedAt: edit,
    currency: edit,
    fxRate: edit,
    discountFen: edit,
    shippingFen: edit,
    taxFen: edit,
    shopOrderId: edit,
    lines: { write: 'studio.edit', audit: 'value' },
  },
  /**
   * A commission scheme: its name and the version new sales are posted with. The rules
   * themselves are its versions' (schemeVersion), never changed once saved. Which scheme
   * is active is the studio's setting `activeScheme`, so only one ever is.
   */
  scheme: {
    name: { write: 'schemes.edit' },
    currentVersion: { write: 'schemes.edit', audit: 'value' },
  },
  /**
   * The studio's settings, one record (id `studio`). Where this workstation looks for its
   * updates and how it keeps its backups are its own (`local`); the time zone, currency,
   * name and invite link are the team's. Language and theme are each person's screen and
   * not fields of it at all.
   */
  setting: {
    updateFeedUrl: { write: PROTECTED_SETTINGS.updateFeedUrl, audit: 'value', local: true },
    autoBackup: { write: PROTECTED_SETTINGS.autoBackup, audit: 'value', local: true },
    backupKeepDays: { write: PROTECTED_SETTINGS.backupKeepDays, audit: 'value', local: true },
    timezone: { write: PROTECTED_SETTINGS.timezone, audit: 'value' },
    currency: { write: PROTECTED_SETTINGS.currency, audit: 'value' },
    studioName: edit,
    inviteBaseUrl: { write: PROTECTED_SETTINGS.inviteBaseUrl, audit: 'value' },
    /** The scheme new sales are posted with (its id): one for the team, a manager's to choose. */
    activeScheme: { write: 'schemes.edit', audit: 'value' },
  },
  /**
   * A care plan with its steps (core/lifecycle/plans.ts): the steps change with the plan —
   * the editor saves them whole, and tasks already planned keep their step's id — so they
   * are one field, `steps`, as an order's lines are.
   */
  carePlan: {
    name: { write: 'plans.edit' },
    description: { write: 'plans.edit' },
    trigger: { write: 'plans.edit' },
    active: { write: 'plans.edit' },
    builtIn: { write: 'plans.edit' },
    steps: { write: 'plans.edit' },
  },
  /** A rule of the studio's rule book: a manager's, and what it proposes is audited with its values. */
  rule: {
    name: { write: 'rules.edit' },
    description: { write: 'rules.edit' },
    eventType: { write: 'rules.edit', audit: 'value' },
    threshold: { write: 'rules.edit', audit: 'value' },
    windowDays: { write: 'rules.edit', audit: 'value' },
    actionKind: { write: 'rules.edit', audit: 'value' },
    actionPoints: { write: 'rules.edit', audit: 'value' },
    actionAmountFen: { write: 'rules.edit', audit: 'value' },
    actionDays: { write: 'rules.edit', audit: 'value' },
    active: { write: 'rules.edit', audit: 'value' },
    effectiveFrom: { write: 'rules.edit', audit: 'value' },
    archivedAt: { write: 'rules.edit', audit: 'value' },
  },
  /**
   * An approval: what a rule proposed (written by whichever workstation evaluated it, under
   * an id made of the rule, the member and the period, so the team holds it once), the
   * events it counted (`events`, written with the proposal and never changed), and the
   * manager's decision — `decision` is null while it waits — and an appeal's overturning.
   */
  action: {
    idemKey: { write: 'actions.propose' },
    ruleId: { write: 'actions.propose' },
    ruleName: { write: 'actions.propose' },
    ruleVersion: { write: 'actions.propose' },
    memberId: { write: 'actions.propose' },
    memberName: { write: 'actions.propose' },
    kind: { write: 'actions.propose' },
    points: { write: 'actions.propose' },
    amountFen: { write: 'actions.propose' },
    days: { write: 'actions.propose' },
    reason: { write: 'actions.propose' },
    eventCount: { write: 'actions.propose' },
    windowFrom: { write: 'actions.propose' },
    windowTo: { write: 'actions.propose' },
    proposedAt: { write: 'actions.propose' },
    events: { write: 'actions.propose' },
    decision: { write: 'actions.decide', audit: 'value' },
    decidedAt: { write: 'actions.decide' },
    decidedBy: { write: 'actions.decide' },
    decidedByName: { write: 'actions.decide' },
    decisionReason: { write: 'actions.decide', audit: 'value' },
    overturnedAt: { write: 'appeals.decide', audit: 'value' },
  },
  /** A member's appeal against an approved action: filed by whoever took it, decided by a manager (`decision` null while open). */
  appeal: {
    actionId: { write: 'appeals.file' },
    reason: { write: 'appeals.file' },
    filedAt: { write: 'appeals.file' },
    filedBy: { write: 'appeals.file' },
    filedByName: { write: 'appeals.file' },
    decision: { write: 'appeals.decide', audit: 'value' },
    decidedAt: { write: 'appeals.decide' },
    decidedBy: { write: 'appeals.decide' },
    decidedByName: { write: 'appeals.decide' },
    decisionReason: { write: 'appeals.decide', audit: 'value' },
  },
  /** A price seen elsewhere (比价): written as the comparisons service is; the price itself is audited with its value. */
  comparison: {
    productId: { write: METHOD_PERMISSIONS.comparisons.add },
    source: { write: METHOD_PERMISSIONS.comparisons.add },
    priceFen: { write: METHOD_PERMISSIONS.comparisons.add, audit: 'value' },
    observedOn: { write: METHOD_PERMISSIONS.comparisons.add },
    url: { write: METHOD_PERMISSIONS.comparisons.add },
    note: { write: METHOD_PERMISSIONS.comparisons.add },
  },
  /** The studio's one list of absolute claims copy may not make (广告法): a set of words, audited with its values. */
  forbiddenClaims: {
    words: { write: METHOD_PERMISSIONS.copyTemplates.setWords, audit: 'value' },
  },
  /** A copy variant (文案) of a channel and tone. */
  copyTemplate: {
    channel: { write: METHOD_PERMISSIONS.copyTemplates.save },
    tone: { write: METHOD_PERMISSIONS.copyTemplates.save },
    body: { write: METHOD_PERMISSIONS.copyTemplates.save },
    position: { write: METHOD_PERMISSIONS.copyTemplates.save },
    active: { write: METHOD_PERMISSIONS.copyTemplates.save },
  },
  /** A poster template of the studio's own; `spec` is the whole template (layout, slots, colours, text) as the renderer reads it. */
  posterTemplate: {
    name: { write: METHOD_PERMISSIONS.posterTemplates.save },
    shape: { write: METHOD_PERMISSIONS.posterTemplates.save },
    spec: { write: METHOD_PERMISSIONS.posterTemplates.save },
    basedOn: { write: METHOD_PERMISSIONS.posterTemplates.duplicate },
    archived: { write: METHOD_PERMISSIONS.posterTemplates.archive },
  },
  /**
   * A photo a customer sent (买家秀): its image is a file of the team's file store named by its
   * SHA-256, never a path of one workstation. Only its customer's id travels with it — the
   * customer's phones and addresses stay with the customer record, masked as that role sees them.
   */
  buyerPhoto: {
    productId: { write: METHOD_PERMISSIONS.buyerPhotos.add },
    customerId: { write: METHOD_PERMISSIONS.buyerPhotos.add },
    caption: { write: METHOD_PERMISSIONS.buyerPhotos.add },
    width: { write: METHOD_PERMISSIONS.buyerPhotos.add },
    height: { write: METHOD_PERMISSIONS.buyerPhotos.add },
    sha256: { write: METHOD_PERMISSIONS.buyerPhotos.add },
  },
  /**
   * One saved version of a commission scheme (id `<scheme id>:<version>`): created once,
   * never changed — ledger entries name the version they were computed with. `rules` is the
   * whole rule set as one JSON field; `savedAt` when the manager saved it.
   */
  schemeVersion: {
    schemeId: { write: 'schemes.edit' },
    version: { write: 'schemes.edit' },
    name: { write: 'schemes.edit' },
    rules: { write: 'schemes.edit', audit: 'value' },
    note: { write: 'schemes.edit' },
    savedAt: { write: 'schemes.edit' },
    createdBy: { write: 'schemes.edit' },
  },
} as const satisfies Record<string, Record<string, FieldRule>>

export type RecordKind = keyof typeof RECORD_FIELDS
export type RecordField<R extends RecordKind> = keyof (typeof RECORD_FIELDS)[R] & string
/** The fields of `R` the team shares: all but the workstation's own (`local`). */
export type SharedField<R extends RecordKind> = {
  [F in RecordField<R>]: (typeof RECORD_FIELDS)[R][F] extends { readonly local: true } ? never : F
}[RecordField<R>]

/** The rule of one field, or undefined for a field the table does not declare (own entries only). */
export function fieldRule(record: RecordKind, field: string): FieldRule | undefined {
  const fields = RECORD_FIELDS[record] as Record<string, FieldRule>
  return Object.hasOwn(fields, field) ? fields[field] : undefined
}

/**
 * What `role` may do with a field: change it, only read it, or only see it masked. A field
 * the table does not declare for a record of the settings is the studio's to edit (theme,
 * studio name); for any other record it is not a field a person writes.
 */
export function fieldAccess(role: Actor, record: RecordKind, field: string): 'write' | 'read' | 'masked' {
  const rule: FieldRule | undefined = fieldRule(record, field) ?? (record === 'setting' ? edit : undefined)
  if (!rule) return 'read'
  if (rule.see && !holds(role, rule.see)) return 'masked'
  return holds(role, rule.write) ? 'write' : 'read'
}

export function mayWriteField(role: Actor, record: RecordKind, field: string): boolean {
  return fieldAccess(role, record, field) === 'write'
}

export function holds(role: Actor, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Actor[]).includes(role)
}

export function permissionsOf(role: Actor): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => holds(role, p))
}

/** The permission "service.method" needs, or undefined for a name the contract does not have (own entries only). */
export function permissionOfMethod(name: string): Permission | undefined {
  const dot = name.indexOf('.')
  if (dot < 0) return undefined
  const service = name.slice(0, dot)
  const method = name.slice(dot + 1)
  if (!Object.hasOwn(METHOD_PERMISSIONS, service)) return undefined
  const methods = (METHOD_PERMISSIONS as Record<string, Record<string, Permission>>)[service]
  return Object.hasOwn(methods, method) ? methods[method] : undefined
}

/** Whether `role` may call "service.method" at all (finer checks may still refuse particular data). */
export function mayCall(role: Actor, name: string): boolean {
  const permission = permissionOfMethod(name)
  return permission !== undefined && holds(role, permission)
}

/**
 * Roles that see customers' phones and addresses in full. Operators keep the records
 * up to date and contact customers; managers audit them. Trainers prepare onboarding
 * material and never need a customer's contact details (PIPL: keep only what the work needs).
 */
export const ROLES_SEEING_CONTACTS: readonly (ActorRole | null)[] = PERMISSIONS['contacts.see']

export function seesContacts(role: ActorRole | null): boolean {
  return ROLES_SEEING_CONTACTS.includes(role)
}
