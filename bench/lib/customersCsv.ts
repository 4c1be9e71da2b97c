import { writeCsvFile } from './csvFile'

/**
 * A deterministic customer book the way studios keep it in WPS: mixed phone spellings,
 * Chinese labels, quoted addresses; every phone unique.
 */
export async function writeCustomersCsv(path: string, rows: number): Promise<void> {
  let seed = 20261120
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]
  const surnames = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈']
  const given = [...'芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅玲晓燕婷雪慧颖佳欣悦琳']
  const tags = ['宝妈', '上班族', '学生党', '爱美妆', '母婴', '团购达人', '老客户', '国货控', '晒单达人', '夜猫子']
  const classes = ['A', 'B', 'B', 'C', 'C', 'C', 'A类', '普通朋友', '陌生人']
  const segments = ['务实羊毛党', '都市追潮族', '顾家品质控', '县城国货派', 'bargain', '', '']
  const cities = ['浙江省杭州市西湖区文三路', '广东省深圳市南山区科技园', '江苏省苏州市工业园区星湖街', '四川省成都市武侯区天府大道', '湖北省武汉市洪山区珞喻路']
  const notes = ['', '', '', '喜欢国货，周末有空', '只在晚上回消息', '孩子两岁，关注奶粉和纸尿裤', '"老客户"，介绍过三位朋友']
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  await writeCsvFile(path, '姓名,手机,微信号,标签,客户分类,消费群体,收货地址,备注', customers())
  function* customers() {
    for (let i = 0; i < rows; i++) {
      const name = pick(surnames) + pick(given) + (rnd() < 0.6 ? pick(given) : '')
      // Unique mainland mobiles, spelled the ways people type them.
      const digits = `1${pick(['3', '5', '7', '8', '9'])}${String((i * 7919) % 1_000_000_000).padStart(9, '0')}`
      const style = rnd()
      let phone = style < 0.7 ? digits : style < 0.8 ? `${digits.slice(0, 3)} ${digits.slice(3, 7)} ${digits.slice(7)}` : style < 0.9 ? `+86 ${digits}` : `${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`
      if (rnd() < 0.05) phone += `、0571-8${String(i % 10_000_000).padStart(7, '0')}`
      const wechat = rnd() < 0.8 ? `wx_${i.toString(36)}_${Math.floor(rnd() * 1000)}` : ''
      const tagCell = rnd() < 0.5 ? `${pick(tags)}、${pick(tags)}` : pick(tags)
      const address = rnd() < 0.9 ? `${pick(cities)}${i % 500}号，${(i % 30) + 1}栋${(i % 20) + 1}01` : ''
      yield [name, phone, wechat, tagCell, pick(classes), pick(segments), address, pick(notes)].map(quote).join(',')
    }
  }
}
