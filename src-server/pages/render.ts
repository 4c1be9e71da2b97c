import { PAGE_CHANNEL_LABELS, PAGE_CHANNELS, type MemberEarnings, type PackContent } from '../../src-shared/pagesProtocol'
import { PAGE_ASSETS } from './assets'

/**
 * The pages as HTML, rendered on the server: a phone over 4G gets one small document, a
 * stylesheet and a script it caches, and the pictures sized for its screen. Everything a
 * workstation published is text to these functions, escaped where it lands.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const esc = (s: string | number): string => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c])

const yuan = (fen: number) => `${fen < 0 ? '-' : ''}¥${(Math.abs(fen) / 100).toFixed(2)}`

function shell(title: string, body: string, options: { script?: boolean } = {}): string {
  return (
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">` +
    `<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">` +
    `<meta name="format-detection" content="telephone=no">` +
    `<title>${esc(title)}</title><link rel="stylesheet" href="${PAGE_ASSETS.css.path}"></head><body>${body}` +
    (options.script ? `<script src="${PAGE_ASSETS.js.path}" defer></script>` : '') +
    `</body></html>`
  )
}

export function messagePage(title: string, message: string, hint = ''): string {
  return shell(title, `<main><section><h2>${esc(title)}</h2><p>${esc(message)}</p>${hint ? `<p class="hint">${esc(hint)}</p>` : ''}</section></main>`)
}

export interface PagePack {
  ownerKey: string
  kind: 'member' | 'group'
  title: string
  day: string
  content: PackContent
}

export interface MemberPageModel {
  base: string
  studioName: string
  memberName: string
  today: string
  day: string
  /** Days with packs the member may open (yesterday, today, the coming days). */
  days: string[]
  packs: PagePack[]
  /** `${ownerKey}|${day}|${itemKey}` → when it was ticked (HH:mm in the team's zone). */
  ticks: Map<string, string>
  earnings: MemberEarnings | null
  earningsAsOf: string | null
  /** The member's last withdrawal requests from this page (requestedAt in the team's zone), newest first. */
  withdrawals?: { amountFen: number; requestedAt: string; status: 'sent' | 'taken' | 'refused'; message: string | null }[]
  fileUrl: (sha: string, ext: string, download?: boolean) => string
}

const weekday = (day: string) => '日一二三四五六'[new Date(`${day}T00:00:00Z`).getUTCDay()]

function dayLabel(day: string, today: string): string {
  const diff = Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000)
  const named = diff === 0 ? '今天' : diff === -1 ? '昨天' : diff === 1 ? '明天' : diff === 2 ? '后天' : null
  return `${named ?? `${Number(day.slice(5, 7))}月${Number(day.slice(8))}日`} 周${weekday(day)}`
}

function images(m: MemberPageModel, pack: PagePack, n: number): string {
  const list = pack.content.images
  if (!list.length) return ''
  const figure = (img: PackContent['images'][number], i: number) =>
    `<figure><a href="${esc(m.fileUrl(img.full, 'jpg'))}"><img src="${esc(m.fileUrl(img.phone, 'jpg'))}" alt="${esc(img.product)}" ${i >= 9 ? 'loading="lazy" ' : ''}width="360" height="360"></a>` +
    `<figcaption><span>${esc(img.product)}</span><a href="${esc(m.fileUrl(img.full, 'jpg', true))}" download>保存</a></figcaption></figure>`
  const grid = list.slice(0, 9).map(figure).join('')
  const more = list.length > 9 ? `<h3>更多图片</h3><div class="grid">${list.slice(9).map((img, i) => figure(img, i + 9)).join('')}</div>` : ''
  return `<h3>九宫格海报</h3><p class="hint">点图片看原图，长按原图“保存图片”；按顺序发朋友圈就是九宫格。</p><div class="grid" id="grid-${n}">${grid}</div>${more}`
}

function videos(m: MemberPageModel, pack: PagePack): string {
  if (!pack.content.videos.length) return ''
  return (
    `<h3>视频</h3>` +
    pack.content.videos
      .map((v) => `<p class="hint">${esc(v.product)} · ${(v.bytes / 1024 / 1024).toFixed(1)} MB</p><video controls playsinline preload="none" src="${esc(m.fileUrl(v.sha256, 'mp4'))}"></video>`)
      .join('')
  )
}

function copyTexts(pack: PagePack, n: number): string {
  let out = ''
  let i = 0
  for (const channel of PAGE_CHANNELS) {
    const texts = pack.content.copy.filter((c) => c.channel === channel)
    if (!texts.length) continue
    out += `<h3>${PAGE_CHANNEL_LABELS[channel]}文案</h3>`
    for (const c of texts) {
      const id = `copy-${n}-${i++}`
      out += `<div class="copy"><p id="${id}">${esc(c.text)}</p><small>${esc(c.product)}${c.tone ? ` · 适合${esc(c.tone)}` : ''}</small> <button type="button" data-copy="${id}">复制</button></div>`
    }
  }
  return out
}

function checklist(m: MemberPageModel, pack: PagePack): string {
  if (!pack.content.schedule.length) return ''
  const items = pack.content.schedule
    .map((s) => {
      const ticked = m.ticks.get(`${pack.ownerKey}|${pack.day}|${s.key}`)
      const when = `${s.day === pack.day ? '' : `${dayLabel(s.day, m.today).split(' ')[0]} `}${s.from}–${s.to}`
      const open = s.day <= m.today
      const button = ticked
        ? `<button type="submit" disabled>✓ 已打卡 ${esc(ticked)}</button>`
        : open
          ? `<button type="submit">发完打卡</button>`
          : `<button type="submit" disabled>未到时间</button>`
      return (
        `<li${ticked ? ' class="done"' : ''}><span class="when">${esc(when)}</span><span class="what"><b>${esc(s.title)}</b>${esc(s.what)}</span>` +
        `<form class="tick" method="post" action="${esc(m.base)}/tick"><input type="hidden" name="owner" value="${esc(pack.ownerKey)}">` +
        `<input type="hidden" name="day" value="${esc(pack.day)}"><input type="hidden" name="item" value="${esc(s.key)}">${button}</form></li>`
      )
    })
    .join('')
  return `<h3>发布清单</h3><p class="hint">按时间发，发完点“发完打卡”，运营会看到你今天发了什么。</p><ul class="checklist">${items}</ul>`
}

function earnings(m: MemberPageModel): string {
  const e = m.earnings
  if (!e) return `<section id="earnings"><h2>我的收益</h2><p class="hint">收益数据还没有同步过来，请稍后再看。</p></section>`
  const cell = (label: string, fen: number, note = '') => `<div><small>${label}</small><b>${yuan(fen)}</b>${note ? `<small>${note}</small>` : ''}</div>`
  const figures = e.settlement
    ? cell('冻结中', e.settlement.frozenFen, '售后期内') + cell('可提现', e.settlement.withdrawableFen) + cell('提现中', e.settlement.requestedFen) + cell('已到账', e.settlement.paidFen)
    : cell('累计应得', e.totals.earnedFen) + cell('待审核', e.totals.pendingFen) + cell('已批准', e.totals.approvedFen) + cell('已支付', e.totals.paidFen)
  const rows = e.statements
    .map((s) => `<tr><td>${esc(s.period)}</td><td>${s.entries}</td><td>${yuan(s.earnedFen)}</td><td>${yuan(s.pendingFen + s.approvedFen)}</td><td>${yuan(s.paidFen)}</td></tr>`)
    .join('')
  const table = rows ? `<h3>最近的对账单</h3><table><thead><tr><th>账期</th><th>笔数</th><th>应得</th><th>未付</th><th>已付</th></tr></thead><tbody>${rows}</tbody></table>` : ''
  return `<section id="earnings"><h2>我的收益</h2><div class="money">${figures}</div>${withdrawal(m)}${table}<p class="hint">数据更新于 ${esc(m.earningsAsOf ?? '')}，佣金只来自真实成交的商品。</p></section>`
}

const WITHDRAWAL_STATUS = { sent: '已提交，等待运营处理', taken: '运营已收到，等待审核打款', refused: '未通过' } as const

/** The request form where the studio allows one (a minimum, a payout account, enough withdrawable), and the member's last requests. */
function withdrawal(m: MemberPageModel): string {
  const s = m.earnings?.settlement
  const list = (m.withdrawals ?? [])
    .map(
      (w) =>
        `<li><b>${yuan(w.amountFen)}</b> <small>${esc(w.requestedAt)}</small> <span>${esc(WITHDRAWAL_STATUS[w.status])}${w.status === 'refused' && w.message ? `：${esc(w.message)}` : ''}</span></li>`,
    )
    .join('')
  const requests = list ? `<h3>我的提现申请</h3><ul class="withdrawals">${list}</ul>` : ''
  if (!s || s.minWithdrawalFen === undefined) return requests
  const sent = (m.withdrawals ?? []).filter((w) => w.status === 'sent').reduce((n, w) => n + w.amountFen, 0)
  const open = s.withdrawableFen - sent
  let form: string
  if (!s.account) form = `<p class="hint">还没有登记收款账户，请联系运营添加后再申请提现。</p>`
  else if (open < s.minWithdrawalFen) form = `<p class="hint">可提现满 ${yuan(s.minWithdrawalFen)} 才能申请提现。</p>`
  else
    form =
      `<form class="withdraw" method="post" action="${esc(m.base)}/withdraw"><label>申请提现（元）<input name="yuan" inputmode="decimal" autocomplete="off" required ` +
      `pattern="\\d{1,7}(\\.\\d{1,2})?" placeholder="${esc((open / 100).toFixed(2))}"></label><button type="submit">申请提现</button>` +
      `<small>最低 ${yuan(s.minWithdrawalFen)}，最多 ${yuan(open)}，打到 ${esc(s.account)}；运营审核后打款。</small></form>`
  return form + requests
}

export function memberPage(m: MemberPageModel): string {
  const nav = m.days
    .map((d) => (d === m.day ? `<span class="on">${esc(dayLabel(d, m.today))}</span>` : `<a href="${esc(m.base)}?d=${esc(d)}">${esc(dayLabel(d, m.today))}</a>`))
    .join('')
  const packs = m.packs
    .map(
      (p, n) =>
        `<section id="pack-${n}"><h2>${p.kind === 'group' ? `社群「${esc(p.title)}」的素材` : '我的素材包'} · ${esc(dayLabel(p.day, m.today))}</h2>` +
        images(m, p, n) +
        videos(m, p) +
        copyTexts(p, n) +
        checklist(m, p) +
        `</section>`,
    )
    .join('')
  const empty = m.packs.length ? '' : `<section><h2>${esc(dayLabel(m.day, m.today))}</h2><p class="hint">这天还没有素材包，运营发布后这里就会出现。</p></section>`
  const body =
    `<header><h1>${esc(m.memberName)} 的会员小站</h1><p>${esc(m.studioName || '果园')} · ${esc(dayLabel(m.today, m.today))} ${esc(m.today)}</p>` +
    `<nav class="days">${nav}</nav></header><main>${packs}${empty}${earnings(m)}</main>` +
    `<footer>这是你的专属链接，请勿转发给他人。</footer>`
  return shell(`${m.memberName} 的会员小站`, body, { script: true })
}

export interface LiveCodePageModel {
  groupName: string
  studioName: string
  /** The group's QR to scan, or null when none can be (lapsed, or the group is full). */
  qr: { url: string; expiresAt: string } | null
  reason: 'lapsed' | 'full' | null
  owner: { name: string | null; contactUrl: string | null }
}

export function liveCodePage(m: LiveCodePageModel): string {
  const title = `加入「${m.groupName}」`
  let body: string
  if (m.qr) {
    body =
      `<section><h2>${esc(title)}</h2><p>长按下方二维码，选择“识别图中二维码”即可进群。</p>` +
      `<img class="qr" src="${esc(m.qr.url)}" alt="群二维码"><p class="hint">二维码有效期至 ${esc(m.qr.expiresAt)}。</p></section>`
  } else {
    const why = m.reason === 'full' ? '这个群人数已满，不能扫码进群了。' : '这个群的二维码已过期，群主正在更新。'
    const owner = m.owner.name ? `群主 ${m.owner.name}` : '群主'
    body =
      `<section><h2>${esc(title)}</h2><div class="notice">${esc(why)}请长按下方二维码添加${esc(owner)}的微信，群主会拉你进群。</div>` +
      (m.owner.contactUrl ? `<img class="qr" src="${esc(m.owner.contactUrl)}" alt="群主微信二维码">` : `<p class="hint">群主还没有上传个人微信二维码，请联系把这个链接发给你的人。</p>`) +
      `</section>`
  }
  return shell(title, `<header><h1>${esc(m.groupName)}</h1><p>${esc(m.studioName || '果园')}</p></header><main>${body}</main>`)
}
