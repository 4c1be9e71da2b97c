import { z } from 'zod'
import type { CarePlan, CarePlanInput, CareStep, CareTrigger } from '../../../src-shared/contracts/lifecycle'
import { OrchardError } from '../../../src-shared/errors'
import type { Db } from '../db/connection'
import { CARE_PLANS, CARE_STEPS, careStepRow, toCarePlan, toCareStep, type CarePlanRow, type CareStepRow } from '../db/tables/lifecycle'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { recordChange, type ChangeWriter } from '../records/changes'
import { readRecords } from '../records/sync'

type StepSpec = Omit<CareStep, 'id' | 'offsetHours'> & { offsetHours?: number }
interface PlanSpec {
  key: string
  name: string
  description: string
  trigger: CareTrigger
  steps: StepSpec[]
}

const TRAINING_TOPICS: [string, string][] = [
  ['认识团队与自己的角色', '今天聊聊我们是谁、做什么：会员分享好物，朋友因为信任而购买；我们只在真实成交上获得佣金。'],
  ['产品知识：先讲清楚三款主推品', '挑三款你自己用过或愿意用的主推品，把面料、成分、产地这些事实讲清楚，比夸张形容更打动人。'],
  ['朋友圈怎么发：一天三个高峰', '早 7–9 点、午 12–13 点、晚 19–21 点发布每日素材包，图片和文案已备好，直接分享即可。'],
  ['私聊话术：真实推荐，不夸大', '先从 A 类亲友开始，说清楚你为什么推荐；不承诺“最好”“第一”，不编造原价和截图。'],
  ['社群互动与晒单', '群里每天的早安、晚安和晒单让社群有温度；收到货后邀请买家晒单，比任何广告都可信。'],
  ['售后与控价规则', '价格不低于控价，售后问题当天回复；乱价伤害的是整个团队的信任。'],
  ['第一周复盘', '回顾这一周：发了几次素材、聊了几位朋友、有没有首单。下周只定一个小目标。'],
]

/** The plans a studio starts with: onboarding, check-ins, and the data-driven rescues. */
export const DEFAULT_PLANS: PlanSpec[] = [
  {
    key: 'onboarding',
    name: '新人扎根计划',
    description: '新会员加入后的第一周：当天欢迎并在一小时内进群，之后每天一个培训主题，定下首单目标，完成第一次晒单。',
    trigger: 'member_joined',
    steps: [
      {
        offsetDays: 0,
        channel: 'private',
        ownerKind: 'mentor',
        purpose: 'light',
        title: '欢迎新人',
        script: '{{member}}，欢迎加入{{studio}}！我是你的师父{{mentor}}，这一周我每天都会陪你。先看看新人入门包，有任何问题随时找我。',
      },
      {
        offsetDays: 0,
        offsetHours: 1,
        channel: 'group',
        ownerKind: 'operator',
        purpose: 'air',
        title: '一小时内拉进社群',
        script: '把{{member}}拉进「{{group}}」，并在群里欢迎：「欢迎{{member}}加入我们！有问题随时在群里问，大家一起成长。」',
      },
      ...TRAINING_TOPICS.map(
        ([topic, body], i): StepSpec => ({
          offsetDays: i + 1,
          channel: 'group',
          ownerKind: 'trainer',
          purpose: 'water',
          title: `第 ${i + 1} 天培训：${topic}`,
          script: `今天的培训主题：{{topic}}。${body}`,
        }),
      ),
      {
        offsetDays: 2,
        channel: 'private',
        ownerKind: 'mentor',
        purpose: 'nutrients',
        title: '定下首单目标',
        script: '{{member}}，我们一起定个小目标：这周先和三位相熟的亲友聊聊你真心推荐的一款商品。成交了第一时间告诉我，群里给你发成交红包！',
      },
      {
        offsetDays: 5,
        channel: 'private',
        ownerKind: 'mentor',
        purpose: 'warmth',
        title: '引导第一次晒单',
        script: '{{member}}，你自己用过的商品拍张真实照片，配一句真实感受发到群里和朋友圈，这就是你的第一次晒单。',
      },
      {
        offsetDays: 7,
        channel: 'call',
        ownerKind: 'mentor',
        purpose: 'light',
        title: '第一周复盘通话',
        script: '和{{member}}通个电话，聊聊这一周：哪些地方顺利，哪里卡住了，下周我们只定一个小目标。',
      },
    ],
  },
  {
    key: 'checkins',
    name: '满月回访（30/60/90 天）',
    description: '关怀不止第一个月：加入后第 30、60、90 天各回访一次。',
    trigger: 'member_joined',
    steps: [
      {
        offsetDays: 30,
        channel: 'call',
        ownerKind: 'mentor',
        purpose: 'light',
        title: '30 天回访',
        script: '{{member}}加入满一个月了。打个电话问问近况：收入是否稳定到账、素材是否好用、有没有需要帮忙的。',
      },
      {
        offsetDays: 60,
        channel: 'private',
        ownerKind: 'operator',
        purpose: 'water',
        title: '60 天回访',
        script: '{{member}}，加入两个月了，最近的素材和活动用得怎么样？下周有一场线下培训，欢迎来参加。',
      },
      {
        offsetDays: 90,
        channel: 'offline',
        ownerKind: 'mentor',
        purpose: 'nutrients',
        title: '90 天面谈',
        script: '约{{member}}线下见一面：回顾三个月的成长，听听TA的想法，一起定下一季度的目标。',
      },
    ],
  },
  {
    key: 'first-sale',
    name: '首单庆祝',
    description: '第一笔成交是新人特别需要被看见的时刻。',
    trigger: 'first_sale',
    steps: [
      {
        offsetDays: 0,
        channel: 'group',
        ownerKind: 'operator',
        purpose: 'warmth',
        title: '群内发成交红包',
        script: '在「{{group}}」发一个成交红包，祝贺{{member}}完成首单：「恭喜{{member}}开张！第一单值得纪念，大家一起沾沾喜气！」',
      },
      {
        offsetDays: 1,
        channel: 'private',
        ownerKind: 'mentor',
        purpose: 'warmth',
        title: '邀请买家晒单',
        script: '{{member}}，第一单真棒！等朋友收到货，请TA拍张真实照片晒一晒，你也可以把感谢的话发到群里。',
      },
    ],
  },
  {
    key: 'outside-group',
    name: '入群补救',
    description: '加入后一小时仍不在任何社群：落在群外的会员会枯萎，必须立刻进群。',
    trigger: 'not_in_group',
    steps: [
      {
        offsetDays: 0,
        channel: 'private',
        ownerKind: 'operator',
        purpose: 'air',
        title: '立即拉进社群',
        script: '{{member}}还没有进任何社群。现在私聊TA发送入群邀请（群二维码 7 天内有效，超过 100 人的群需要手动拉入），进群后在群里欢迎TA。',
      },
    ],
  },
  {
    key: 'quiet',
    name: '沉默唤醒',
    description: '14 天没有成交，或 14 天没有分享：先由师父关心，再由运营回访，邀请参加线下培训。',
    trigger: 'activity_drop',
    steps: [
      {
        offsetDays: 0,
        channel: 'private',
        ownerKind: 'mentor',
        purpose: 'light',
        title: '师父私聊关心',
        script: '{{member}}，最近好久没看到你分享了，一切都好吗？有什么卡住的地方，我们一起想办法。',
      },
      {
        offsetDays: 2,
        channel: 'call',
        ownerKind: 'operator',
        purpose: 'water',
        title: '运营电话回访',
        script: '打电话问问{{member}}：素材好不好用、有没有遇到售后问题、对团队有什么建议。认真记录，不催单。',
      },
      {
        offsetDays: 5,
        channel: 'offline',
        ownerKind: 'trainer',
        purpose: 'water',
        title: '邀请参加线下培训',
        script: '邀请{{member}}参加本周的线下培训：面对面的培训给足信心，比零散的提醒更有用。',
      },
    ],
  },
  {
    key: 'cooling',
    name: '社群升温',
    description: '社群温度下降：恢复早安晚安仪式，群主带动互动，安排一次群内培训。',
    trigger: 'group_cooling',
    steps: [
      {
        offsetDays: 0,
        channel: 'group',
        ownerKind: 'operator',
        purpose: 'warmth',
        title: '恢复早安 / 晚安仪式',
        script: '「{{group}}」最近冷了下来。明早 7 点发早安，晚上 9 点发晚安，连续一周，并及时回复群里的每一个问题。',
      },
      {
        offsetDays: 0,
        channel: 'private',
        ownerKind: 'mentor',
        purpose: 'warmth',
        title: '群主带动互动',
        script: '和群主{{mentor}}聊聊「{{group}}」：这周安排一次目标设定，成交就发红包，邀请买家晒单。',
      },
      {
        offsetDays: 1,
        channel: 'group',
        ownerKind: 'trainer',
        purpose: 'water',
        title: '安排一次群内培训',
        script: '在「{{group}}」安排一次 20 分钟的群内培训，主题选大家近来常问的问题。',
      },
    ],
  },
  {
    key: 'apprentices-quiet',
    name: '师父关怀',
    description: '一位师父的徒弟全部沉默：问题往往在师父身上，先关心师父。',
    trigger: 'apprentices_quiet',
    steps: [
      {
        offsetDays: 0,
        channel: 'call',
        ownerKind: 'operator',
        purpose: 'light',
        title: '与师父通话',
        script: '{{member}}的徒弟最近都没有动静。打个电话关心{{member}}本人的状态，问问带徒弟遇到了什么困难。',
      },
      {
        offsetDays: 3,
        channel: 'offline',
        ownerKind: 'trainer',
        purpose: 'water',
        title: '师徒一起参加线下培训',
        script: '邀请{{member}}带着徒弟一起来参加线下培训，现场解决问题，重新点燃信心。',
      },
    ],
  },
]

export function listPlans(db: Db, onlyActive = false): CarePlan[] {
  const plans = db.prepare(`SELECT * FROM care_plans ${onlyActive ? 'WHERE active = 1' : ''} ORDER BY built_in DESC, created_at, id`).all() as CarePlanRow[]
  const steps = db.prepare('SELECT * FROM care_steps ORDER BY plan_id, position').all() as CareStepRow[]
  const byPlan = new Map<string, CareStep[]>()
  for (const s of steps) {
    const list = byPlan.get(s.plan_id) ?? []
    list.push(toCareStep(s))
    byPlan.set(s.plan_id, list)
  }
  return plans.map((p) => toCarePlan(p, (byPlan.get(p.id) ?? []).sort((a, b) => a.offsetDays * 24 + a.offsetHours - (b.offsetDays * 24 + b.offsetHours))))
}

export function getPlan(db: Db, id: string): CarePlan {
  const plan = listPlans(db).find((p) => p.id === id)
  if (!plan) throw new OrchardError('not_found', `关怀计划不存在 / care plan not found: ${id}`, { id })
  return plan
}

/**
 * Writes a plan and its steps. Steps keep their ids when they come back with them, so
 * tasks already planned from a step stay linked to it (and are not planned again).
 * The plan is a shared record: its change (the steps as one field) is checked and recorded
 * through `changes` in the caller's transaction — a refused one takes the write back with
 * it. Only the plans every studio starts with are written without (installDefaultPlans).
 */
export function writePlan(db: Db, input: z.output<typeof CarePlanInput>, now: Date, builtIn: boolean, changes: ChangeWriter | null, fixedId?: string): CarePlan {
  const at = now.toISOString()
  const id = input.id ?? fixedId ?? newId()
  const before = input.id ? readRecords(db, 'carePlan', [id]).get(id) : undefined
  const existing = input.id ? (db.prepare('SELECT * FROM care_plans WHERE id = ?').get(input.id) as CarePlanRow | undefined) : undefined
  if (input.id && !existing) throw new OrchardError('not_found', `关怀计划不存在 / care plan not found: ${input.id}`, { id: input.id })
  if (existing) {
    db.prepare('UPDATE care_plans SET name = ?, description = ?, trigger = ?, active = ?, updated_at = ? WHERE id = ?').run(
      input.name,
      input.description,
      input.trigger,
      input.active ? 1 : 0,
      at,
      id,
    )
  } else {
    insertRow(db, CARE_PLANS, { id, name: input.name, description: input.description, trigger: input.trigger, active: input.active ? 1 : 0, built_in: builtIn ? 1 : 0, created_at: at, updated_at: at })
  }
  db.prepare('DELETE FROM care_steps WHERE plan_id = ?').run(id)
  const seen = new Set<string>()
  input.steps.forEach((s, i) => {
    // A step id may belong to this plan only (copying steps between plans gives them new ids).
    const owned = s.id && !seen.has(s.id) && !(db.prepare('SELECT 1 FROM care_steps WHERE id = ?').get(s.id) as unknown)
    const stepId = owned ? s.id! : newId()
    seen.add(stepId)
    insertRow(db, CARE_STEPS, careStepRow(id, i, stepId, s))
  })
  if (changes) {
    recordChange(changes, { record: 'carePlan', id, label: input.name, op: existing ? 'update' : 'create', before, after: readRecords(db, 'carePlan', [id]).get(id), audited: true })
  }
  return getPlan(db, id)
}

/**
 * The plans every studio starts with, under the same ids on every workstation (the plan's
 * key, its steps numbered): they are the same records of the team from the start, so they
 * are not sent as new ones — an edit of one travels as any change of a plan does.
 */
export function installDefaultPlans(db: Db, now: Date): void {
  for (const spec of DEFAULT_PLANS) {
    writePlan(
      db,
      {
        name: spec.name,
        description: spec.description,
        trigger: spec.trigger,
        active: true,
        steps: spec.steps.map((s, i) => ({ ...s, id: `plan-${spec.key}-${i + 1}`, offsetHours: s.offsetHours ?? 0 })),
      },
      now,
      true,
      null,
      `plan-${spec.key}`,
    )
  }
}
