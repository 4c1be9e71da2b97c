import type { KitSectionKind } from '../../../../src-shared/contracts/lifecycle'
import type { Db } from '../../db/connection'
import { KIT_SECTIONS, KIT_TEMPLATES } from '../../db/tables/lifecycle'
import { insertRow } from '../../db/tables/table'
import { newId } from '../../ids'

/**
 * The kit every new member receives unless a trainer writes another. Honest by
 * construction (DOMAIN: Honesty; the anti-pyramid rules under Money): no income figure
 * is promised, nothing is paid for recruiting, no fee is a condition to join, and no
 * absolute advertising claims.
 */
export const DEFAULT_KIT: { name: string; description: string; sections: { kind: KitSectionKind; title: string; html: string }[] } = {
  name: '新人入门包',
  description: '新会员第一周的全部资料：角色定位、品牌背书、产品、收入模型、话术、第一周计划和常见问题。',
  sections: [
    {
      kind: 'role',
      title: '你在团队中的角色',
      html: `<p>{{member}}，欢迎加入{{studio}}！从今天起，你是团队的一名会员（店主）。你的师父是<strong>{{mentor}}</strong>，这一周TA会每天陪着你。</p>
<h2>你做什么</h2>
<p>你把自己信得过的好物分享给身边的朋友：朋友圈、群聊和私聊。朋友因为信任你而购买，你在<strong>真实成交</strong>上获得佣金。你不需要囤货，不需要发货，也不需要追着别人推销。</p>
<h2>团队为你做什么</h2>
<ul><li><strong>运营</strong>每天准备好素材包：海报、文案、发布时间，你直接分享即可。</li><li><strong>培训师</strong>带你完成第一周的培训，之后每周都有线上或线下的分享。</li><li><strong>师父</strong>随时回答你的问题，陪你完成第一单和第一次晒单。</li><li><strong>管理者</strong>维护团队规则：控价、诚信、奖惩公开透明，每一次处理都有记录，可以申诉。</li></ul>
<blockquote><p>我们相信：长期的信任比一次成交更重要。</p></blockquote>`,
    },
    {
      kind: 'brand',
      title: '品牌故事与背书',
      html: `<p>{{studio}}从一个小小的分享群起步。我们只上架自己团队挑选过、愿意推荐给家人的商品，每一款都写清楚面料、成分和产地这些<strong>事实</strong>。</p>
<h2>我们的承诺</h2>
<ul><li>商品来源可查：品牌授权书和质检报告放在群公告里，朋友问起可以直接出示原件。</li><li>价格真实：比价图只用运营录入、注明来源的真实价格，不虚构“原价”。</li><li>不做假：不用托儿，不编造聊天记录和收入截图。</li><li>售后有人管：收到货有问题，当天就有运营跟进。</li></ul>
<h2>你可以放心地说</h2>
<p>“这是我自己在用的”“这是团队挑过的”——只说你知道的事实。广告法禁止的绝对化用语（例如“第一”“顶级”“国家级”“100% 有效”）请不要使用，素材包里的文案也都经过检查。</p>`,
    },
    {
      kind: 'products',
      title: '产品介绍',
      html: `<p>先熟悉下面这几款主推品，再慢慢扩展。介绍一款商品时，按这个顺序讲：</p>
<ol><li><strong>它解决什么问题</strong>：谁适合用，什么场景用。</li><li><strong>事实</strong>：面料、成分、产地、规格。</li><li><strong>你的真实感受</strong>：用过就说感受，没用过就说为什么选它。</li><li><strong>价格</strong>：按团队售价，不低于控价。</li></ol>
<p>下表是团队当前在售的部分商品，具体以每日素材包为准。</p>`,
    },
    {
      kind: 'income',
      title: '收入模型',
      html: `<p>我们把收入说清楚：你投入什么、得到什么、需要做什么。<strong>收入取决于真实的销售，我们不承诺任何收入数字。</strong></p>
<h2>你投入什么</h2>
<ul><li>时间：每天大约 30 分钟，在早 7–9 点、午 12–13 点、晚 19–21 点三个时段分享素材。</li><li>用心：认真回答朋友的问题，做好售后。</li><li>不需要：加入团队不以缴费为条件，不需要囤货，不需要购买“入门套餐”。</li></ul>
<h2>你得到什么</h2>
<ul><li>佣金：朋友通过你的链接或邀请码购买商品，你获得该商品的佣金；朋友退款时，佣金随之退回。</li><li>师父的佣金：你的师父在你的销售上获得一份带教佣金，最多只有两级（你和你的师父），符合微信平台规则和国家法规。</li><li>团队奖励：在群里分享经验、组织线下推广，按公开的团队规则获得奖励，由管理者审批并记录。</li></ul>
<blockquote><p>我们从不按“拉了多少人”发钱，也从不在会员费上计佣：按人头计酬和入门费属于《禁止传销条例》第七条禁止的行为。</p></blockquote>
<h2>你需要做什么</h2>
<ol><li>第一周完成培训，定下首单目标。</li><li>每天分享素材包，先从 A 类亲友开始。</li><li>成交后邀请朋友晒单，在群里分享你的经验。</li></ol>`,
    },
    {
      kind: 'scripts',
      title: '第一周话术',
      html: `<p>话术是参考，用你自己的语气说出来更好。每一句都只说事实。</p>
<h2>第 1 天 · 告诉亲友你开始做分享</h2>
<blockquote><p>最近我加入了{{studio}}，会在朋友圈分享一些我自己挑过的好物。不打扰大家，有需要随时问我就好～</p></blockquote>
<h2>第 2 天 · 第一次分享商品</h2>
<blockquote><p>这款{{product}}是团队这周挑选的，成分、产地和规格都写在图上了。我会先自己试试再和大家说感受；感兴趣可以看看，不合适也没关系。</p></blockquote>
<h2>第 3 天 · 朋友问价格</h2>
<blockquote><p>现在团队价是图上的价格，这是统一价，我这里不能再低了。活动开始和结束的时间我会提前告诉你。</p></blockquote>
<h2>第 4 天 · 朋友犹豫</h2>
<blockquote><p>不着急，你可以先看看大家的晒单。用得上再买，不合适我也不会再打扰你。</p></blockquote>
<h2>第 5 天 · 邀请晒单</h2>
<blockquote><p>收到货了吗？用着怎么样？方便的话拍张真实的照片给我，我想分享到群里，谢谢你！</p></blockquote>
<h2>第 6 天 · 售后</h2>
<blockquote><p>收到你的反馈了，我马上联系售后，今天之内给你答复。</p></blockquote>
<h2>第 7 天 · 感谢</h2>
<blockquote><p>这一周谢谢大家的支持！我会继续认真挑选、认真分享。需要的话，下单时填我的邀请码 {{inviteCode}} 就好。</p></blockquote>`,
    },
    {
      kind: 'first_week',
      title: '第一周计划',
      html: `<p>第一周只做几件小事，每天完成了就在群里说一声。</p>
<ul><li><strong>第 0 天</strong>：师父欢迎你，一小时内进入社群；读完这份入门包。</li><li><strong>第 1 天</strong>：培训「认识团队与自己的角色」；在朋友圈告诉亲友你开始做分享。</li><li><strong>第 2 天</strong>：培训「产品知识」；和师父一起定下首单目标。</li><li><strong>第 3 天</strong>：培训「朋友圈怎么发」；按三个时段分享素材包。</li><li><strong>第 4 天</strong>：培训「私聊话术」；和三位相熟的亲友聊聊你推荐的商品。</li><li><strong>第 5 天</strong>：培训「社群互动与晒单」；完成你的第一次晒单。</li><li><strong>第 6 天</strong>：培训「售后与控价规则」。</li><li><strong>第 7 天</strong>：和师父通话复盘，定下第二周的一个小目标。</li></ul>
<p>第 30、60、90 天，师父和运营会分别回访你，听听你的想法。</p>`,
    },
    {
      kind: 'faq',
      title: '常见问题',
      html: `<h3>加入要交钱吗？</h3>
<p>不以缴费为加入条件，也不要求购买任何商品。</p>
<h3>需要囤货吗？</h3>
<p>不需要。朋友下单后由品牌方或仓库直接发货。</p>
<h3>佣金什么时候到账？怎么算？</h3>
<p>佣金按真实成交计算，退款会退回相应佣金。结算时间和比例以团队公布的规则为准，每一笔都有记录可查。</p>
<h3>可以低于控价卖吗？</h3>
<p>不可以。乱价伤害的是所有伙伴的信任，团队规则对低于控价销售有警告和扣除佣金的处理，处理前由管理者审批，你可以申诉。</p>
<h3>可以同时卖别的平台的货吗？</h3>
<p>请不要在团队社群里销售其他平台的商品，这同样写在团队规则里。</p>
<h3>一直没有成交怎么办？</h3>
<p>很正常，先别急。告诉师父你卡在哪里，参加一次线下培训；分享真实的使用感受，比频繁刷屏更有用。</p>
<h3>我的个人信息安全吗？</h3>
<p>你的联系方式只保存在团队的工作台上，只有需要的同事能看到完整信息，不会出现在任何素材里。</p>`,
    },
  ],
}

export function installDefaultKit(db: Db, now: Date): string {
  const id = newId()
  const at = now.toISOString()
  insertRow(db, KIT_TEMPLATES, { id, name: DEFAULT_KIT.name, description: DEFAULT_KIT.description, is_default: 1, created_at: at, updated_at: at, updated_by: null })
  DEFAULT_KIT.sections.forEach((s, i) => insertRow(db, KIT_SECTIONS, { id: newId(), template_id: id, position: i, kind: s.kind, title: s.title, html: s.html.replace(/\n/g, '') }))
  return id
}
