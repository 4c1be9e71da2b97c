/**
 * Every rule the ledger's posting applies, in the words the scheme screen shows managers
 * and the README repeats. The core (src-main/core/ledger: posting.ts, schemes.ts,
 * closes.ts, settlement.ts) implements them; a rule changed there is changed here.
 */
export interface CommissionRule {
  id: string
  zh: { title: string; body: string }
  en: { title: string; body: string }
}

export const COMMISSION_RULES: readonly CommissionRule[] = [
  {
    id: 'who',
    zh: {
      title: '谁拿佣金',
      body: '只有真实卖出的商品计佣：卖货的会员拿销售佣金；两级方案下，他的师父拿师父佣金。最多两级，再往上的人一分不拿；拉人头、会员费一律不计佣金。',
    },
    en: {
      title: 'Who earns',
      body: 'Only real sales of goods earn commission: the member who sold, and under a two-tier scheme their mentor. Never a third level, never recruiting, never membership fees.',
    },
  },
  {
    id: 'rates',
    zh: {
      title: '按哪个比例',
      body: '先看商品所在类目在方案里有没有单独一行，没有就用方案的默认比例；按会员的等级取对应的那一列。',
    },
    en: {
      title: 'Which rate',
      body: 'The scheme’s row for the product’s category when it has one, else its default row; the column of the member’s level.',
    },
  },
  {
    id: 'product_rates',
    zh: {
      title: '商品自带的比例',
      body: '商品页或商品导入里填的比例只在方案开启“优先使用商品比例”时生效，而且只替换方案本来就付钱的那一格：方案给 1 级师父 0，商品比例也不会让他拿钱。比例留空（或 0）就是“按方案”，从不当作 10%。商品比例和方案比例一样接受合规检查，合计达到售价 100% 的拒绝保存。',
    },
    en: {
      title: 'A product’s own rates',
      body: 'Rates set on a product (products screen or import) apply only when the scheme prefers product rates, and only where the scheme pays at all: a scheme paying level-1 mentors 0 is not overridden by a product. A blank rate (or 0) means “use the scheme”, never 10%. Product rates pass the same compliance check; rates adding up to the whole sale are refused.',
    },
  },
  {
    id: 'level',
    zh: {
      title: '等级变化',
      body: '佣金按订单第一次记账时会员的等级和方案计算，记下的比例以后不再改；月中升级只影响之后记账的订单。每次导入后记账，就是按下单时的等级。',
    },
    en: {
      title: 'Level changes',
      body: 'Commission is computed at the member’s level and the scheme in force when the order is first posted, and that rate is kept; a level change mid-month applies to orders posted after it. Posting after every import makes that the level at the time of the sale.',
    },
  },
  {
    id: 'left',
    zh: {
      title: '已离开的会员',
      body: '卖货的人和师父同样对待：下单时还在团队里的，照常拿佣金（离开后也不收回）；下单时已经离开的，这笔订单不给他佣金，他那一份也不转给别人。',
    },
    en: {
      title: 'Members who left',
      body: 'Sellers and mentors alike: whoever was still in the team when the order was placed earns on it (and keeps it after leaving); whoever had left by then earns nothing on it, and their share goes to no one else.',
    },
  },
  {
    id: 'refunds',
    zh: {
      title: '退款与取消',
      body: '退款按比例冲回佣金。来源写明退的是哪一行（果园格式的“商品退款金额”列），就只冲回那一行；只给整笔退款时，按各行金额分摊到分，余下的分给余数大的行，余数相同给靠前的行。全额退款、取消、拼团失败冲回全部佣金。冲回的日期用来源给的退款时间。',
    },
    en: {
      title: 'Refunds and cancellations',
      body: 'A refund reverses its share of the commission. When the source says which line was refunded (Orchard’s “Line refunded” column), only that line is reversed; an order-level refund is split over the lines by amount in whole fen, the fen left over to the largest remainders, equal remainders to the earlier line. A full refund, a cancellation or a failed group buy reverses all of it. The reversal is dated by the refund date the source gives.',
    },
  },
  {
    id: 'latest',
    zh: {
      title: '只看订单最新的状态',
      body: '账本每条订单行记的净额，永远等于按订单当前状态重新算一次的结果：退款增加、减少、撤销、再退，重复导入、先导入新的再导入旧的，都不会多算或少算。导入的文件比工作室已有的状态旧（退款更少、退款后又成已付款、拼团失败后又成待付款）时，默认保留较新的状态并列出这些订单，由人决定是否采用文件的。',
    },
    en: {
      title: 'Only the order’s latest state counts',
      body: 'What the ledger nets for every order line always equals computing it afresh from the order’s current state: refunds rising, falling, withdrawn and back, re-imports, an older export after a newer one — nothing is counted twice or lost. A file older than what the studio holds (a lower refund, paid after refunded, pending after a failed group buy) keeps the newer state by default and lists those orders for a person to decide.',
    },
  },
  {
    id: 'rounding',
    zh: {
      title: '取整',
      body: '金额一律以分为单位的整数计算。每条佣金按“金额 × 比例”四舍五入到分（负数对称）。',
    },
    en: {
      title: 'Rounding',
      body: 'Money is whole fen throughout. Each commission entry is amount × rate rounded half-up to the fen (mirrored for negative amounts).',
    },
  },
  {
    id: 'close',
    zh: {
      title: '月结',
      body: '管理者结账后，那个月（以及之前所有未结的月份）的数字不再变化。之后才到的迟到订单、退款、取消，记入第一个未结的月份，作为“调整”并注明属于哪个月。',
    },
    en: {
      title: 'Month close',
      body: 'Once a manager closes a month (and every open month before it), its figures never change. A late order, refund or cancellation that arrives afterwards is posted into the first open month as an adjustment naming the month it belongs to.',
    },
  },
  {
    id: 'settlement',
    zh: {
      title: '结算与提现',
      body: '佣金在售后期内冻结（默认订单完成或签收后 7 天，来源没给完成时间时从下单算起），售后期内的退款直接冲掉冻结的佣金；过了售后期变为可提现。会员申请提现不低于最低金额、不超过可提现余额，由管理者审批后放进打款批次；打款失败的那一笔退回可提现。',
    },
    en: {
      title: 'Settlement and withdrawals',
      body: 'Commission is frozen for the after-sales window (7 days after the order was completed or delivered by default; from when it was placed when the source gives no completion date), and a refund inside it reverses frozen money; then it becomes withdrawable. A withdrawal needs at least the minimum, at most the withdrawable balance, and a manager’s approval; it is paid in a payout batch, and a failed payout returns to withdrawable.',
    },
  },
]
