import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../src-main/core/api'

/** Importing 100,000 customers from CSV, against the sqlite3 shell's `.import` of the same file. */
const ROWS = 100_000
const work = join(import.meta.dirname, '.work', 'import')
mkdirSync(work, { recursive: true })
const csv = join(work, 'customers-100k.csv')

if (!existsSync(csv)) {
  let seed = 42
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]
  const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈'
  const given = '芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅玲晓燕婷雪慧颖佳欣悦琳'
  const tags = ['宝妈', '上班族', '学生党', '爱美妆', '母婴', '团购达人', '老客户', '国货控']
  const lines = ['姓名,手机,微信号,标签,客户分类,消费群体,地址,备注']
  for (let i = 0; i < ROWS; i++) {
    const name = pick([...surnames]) + pick([...given]) + (rnd() < 0.6 ? pick([...given]) : '')
    const phone = `1${pick(['3', '5', '7', '8', '9'])}${String(100_000_000 + i * 7919 % 900_000_000).padStart(9, '0')}`
    lines.push(
      [name, phone, `wx_${i.toString(36)}_${Math.floor(rnd() * 1000)}`, `${pick(tags)}|${pick(tags)}`, pick(['A', 'B', 'B', 'C', 'C']), pick(['务实羊毛党', '都市追潮族', '顾家品质控', '']), `浙江省杭州市西湖区文三路${i % 500}号`, rnd() < 0.3 ? '喜欢国货，周末有空' : ''].join(','),
    )
  }
  writeFileSync(csv, lines.join('\n') + '\n')
}

function bestOf<T>(n: number, fn: () => Promise<T> | T): Promise<number> {
  return (async () => {
    let best = Infinity
    for (let i = 0; i < n; i++) {
      const t = performance.now()
      await fn()
      best = Math.min(best, performance.now() - t)
    }
    return best / 1000
  })()
}

const peer = await bestOf(3, () => {
  const db = join(work, 'peer.db')
  rmSync(db, { force: true })
  execFileSync('sqlite3', [db, '-cmd', '.mode csv', `.import ${csv} customers`])
})

let run = 0
const orchard = await bestOf(3, async () => {
  const dataDir = join(work, `orchard-${run++}`)
  rmSync(dataDir, { recursive: true, force: true })
  const core = createCore({ dataDir, host: 'test', firstStart: 'empty' })
  const result = await core.invoke('imports', 'run', { entity: 'customers', path: csv, mode: 'all-or-nothing' })
  if (!result.committed || result.inserted !== ROWS) throw new Error(`import did not commit all rows: ${JSON.stringify({ ...result, errors: result.errors.slice(0, 3) })}`)
  core.close()
})

const ratio = Number((orchard / peer).toFixed(2))
console.log(`sqlite3 .import of ${ROWS} rows: ${peer.toFixed(3)} s`)
console.log(`orchard import (parse, validate, normalise phones, dedupe, write): ${orchard.toFixed(3)} s`)
console.log(JSON.stringify({ bench: 'import', unit: 's', orchard: Number(orchard.toFixed(3)), peer: Number(peer.toFixed(3)), ratio, goal: 3, met: ratio <= 3 }))
