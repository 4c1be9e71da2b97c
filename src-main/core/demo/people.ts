import type { Segment } from '../../../src-shared/vocabulary'
import { Random, WeightedPicker, weighted } from '../random/seeded'

/**
 * The people of the demo studio: names with the surname frequencies of China's
 * population registers, WeChat ids the way people really pick them, mainland
 * mobiles, addresses in real provinces and cities.
 */

// [surname, pinyin, share of the population in ‰]
const SURNAMES: readonly (readonly [string, string, number])[] = [
  ['王', 'wang', 71], ['李', 'li', 70], ['张', 'zhang', 67], ['刘', 'liu', 54], ['陈', 'chen', 45],
  ['杨', 'yang', 31], ['黄', 'huang', 22], ['赵', 'zhao', 20], ['吴', 'wu', 19], ['周', 'zhou', 19],
  ['徐', 'xu', 15], ['孙', 'sun', 15], ['马', 'ma', 12], ['朱', 'zhu', 12], ['胡', 'hu', 11],
  ['郭', 'guo', 11], ['何', 'he', 10], ['高', 'gao', 10], ['林', 'lin', 10], ['罗', 'luo', 9],
  ['郑', 'zheng', 8], ['梁', 'liang', 8], ['谢', 'xie', 7], ['宋', 'song', 6], ['唐', 'tang', 6],
  ['许', 'xu', 6], ['韩', 'han', 5], ['冯', 'feng', 5], ['邓', 'deng', 5], ['曹', 'cao', 5],
  ['彭', 'peng', 5], ['曾', 'zeng', 5], ['肖', 'xiao', 5], ['田', 'tian', 4], ['董', 'dong', 4],
  ['袁', 'yuan', 4], ['潘', 'pan', 4], ['于', 'yu', 4], ['蒋', 'jiang', 4], ['蔡', 'cai', 4],
  ['余', 'yu', 4], ['杜', 'du', 4], ['叶', 'ye', 4], ['程', 'cheng', 3], ['苏', 'su', 3],
  ['魏', 'wei', 3], ['吕', 'lv', 3], ['丁', 'ding', 3], ['任', 'ren', 3], ['沈', 'shen', 3],
  ['姚', 'yao', 3], ['卢', 'lu', 3], ['姜', 'jiang', 3], ['崔', 'cui', 2], ['钟', 'zhong', 2],
  ['谭', 'tan', 2], ['陆', 'lu', 2], ['汪', 'wang', 2], ['范', 'fan', 2], ['金', 'jin', 2],
  ['石', 'shi', 2], ['廖', 'liao', 2], ['贾', 'jia', 2], ['夏', 'xia', 2], ['韦', 'wei', 2],
  ['付', 'fu', 2], ['方', 'fang', 2], ['白', 'bai', 2], ['邹', 'zou', 2], ['孟', 'meng', 2],
  ['熊', 'xiong', 2], ['秦', 'qin', 2], ['邱', 'qiu', 2], ['江', 'jiang', 2], ['尹', 'yin', 2],
  ['薛', 'xue', 2], ['闫', 'yan', 2], ['段', 'duan', 2], ['雷', 'lei', 2], ['侯', 'hou', 2],
  ['龙', 'long', 2], ['史', 'shi', 2], ['陶', 'tao', 1], ['黎', 'li', 1], ['贺', 'he', 1],
  ['顾', 'gu', 1], ['毛', 'mao', 1], ['郝', 'hao', 1], ['龚', 'gong', 1], ['邵', 'shao', 1],
  ['万', 'wan', 1], ['钱', 'qian', 1], ['严', 'yan', 1], ['覃', 'qin', 1], ['武', 'wu', 1],
  ['戴', 'dai', 1], ['莫', 'mo', 1], ['孔', 'kong', 1], ['向', 'xiang', 1], ['汤', 'tang', 1],
]

// Characters common in given names, with pinyin, by the sex they are usually given to.
const FEMALE_CHARS: readonly (readonly [string, string])[] = [
  ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['艳', 'yan'], ['娟', 'juan'],
  ['霞', 'xia'], ['婷', 'ting'], ['雪', 'xue'], ['慧', 'hui'], ['玲', 'ling'], ['琳', 'lin'], ['颖', 'ying'],
  ['倩', 'qian'], ['洁', 'jie'], ['燕', 'yan'], ['萍', 'ping'], ['红', 'hong'], ['梅', 'mei'], ['莉', 'li'],
  ['丹', 'dan'], ['佳', 'jia'], ['欣', 'xin'], ['怡', 'yi'], ['悦', 'yue'], ['晶', 'jing'], ['蕾', 'lei'],
  ['薇', 'wei'], ['琪', 'qi'], ['璐', 'lu'], ['瑶', 'yao'], ['婧', 'jing'], ['雯', 'wen'], ['岚', 'lan'],
  ['楠', 'nan'], ['月', 'yue'], ['露', 'lu'], ['琴', 'qin'], ['秀', 'xiu'], ['英', 'ying'], ['华', 'hua'],
  ['晓', 'xiao'], ['春', 'chun'], ['小', 'xiao'], ['诗', 'shi'], ['梦', 'meng'], ['雨', 'yu'], ['思', 'si'],
  ['可', 'ke'], ['嘉', 'jia'], ['文', 'wen'], ['淑', 'shu'], ['凤', 'feng'], ['桂', 'gui'], ['兰', 'lan'],
]
const MALE_CHARS: readonly (readonly [string, string])[] = [
  ['伟', 'wei'], ['强', 'qiang'], ['磊', 'lei'], ['军', 'jun'], ['洋', 'yang'], ['勇', 'yong'], ['杰', 'jie'],
  ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['浩', 'hao'], ['鹏', 'peng'], ['斌', 'bin'], ['辉', 'hui'],
  ['刚', 'gang'], ['健', 'jian'], ['峰', 'feng'], ['宇', 'yu'], ['俊', 'jun'], ['凯', 'kai'], ['建', 'jian'],
  ['国', 'guo'], ['平', 'ping'], ['志', 'zhi'], ['海', 'hai'], ['林', 'lin'], ['文', 'wen'], ['博', 'bo'],
  ['晨', 'chen'], ['子', 'zi'], ['轩', 'xuan'], ['阳', 'yang'], ['东', 'dong'], ['波', 'bo'], ['飞', 'fei'],
]

const surnamePicker = new WeightedPicker(SURNAMES, SURNAMES.map((s) => s[2]))

export interface Person {
  name: string
  /** The name in pinyin, as people spell it in their WeChat ids. */
  pinyin: { surname: string; given: string }
  female: boolean
}

export function personName(random: Random, femaleShare: number): Person {
  const [surname, sp] = surnamePicker.pick(random)
  const female = random.chance(femaleShare)
  const chars = female ? FEMALE_CHARS : MALE_CHARS
  // About seven in ten given names have two characters; one-character names are the older style.
  const first = random.pick(chars)
  let given = first[0]
  let gp = first[1]
  if (random.chance(0.7)) {
    const second = random.pick(chars)
    if (second[0] !== first[0] || random.chance(0.3)) {
      given += second[0]
      gp += second[1]
    }
  }
  return { name: surname + given, pinyin: { surname: sp, given: gp }, female }
}

const WECHAT_WORDS = ['momo', 'xiaomi', 'tutu', 'baobao', 'dudu', 'mumu', 'lucky', 'sunny', 'coco', 'lily', 'amy', 'candy', 'yoyo', 'kiki', 'nana', 'doudou']
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * A WeChat id in one of the shapes people actually have: the system-assigned wxid_…,
 * a pinyin name with a birth year or lucky digits, a nickname word. Uniqueness is
 * the caller's (the `taken` set).
 */
export function wechatId(random: Random, person: Person, taken: Set<string>): string {
  for (let attempt = 0; ; attempt++) {
    let id: string
    const style = random.next()
    if (style < 0.3) {
      id = 'wxid_'
      for (let i = 0; i < 14; i++) id += ALNUM[random.int(0, ALNUM.length - 1)]
    } else if (style < 0.65) {
      const year = random.int(1975, 2005)
      id = `${person.pinyin.surname}${person.pinyin.given}${random.chance(0.5) ? year : String(year).slice(2)}`
    } else if (style < 0.85) {
      id = `${person.pinyin.given}_${random.pick(WECHAT_WORDS)}${random.int(1, 999)}`
    } else {
      id = `${random.pick(WECHAT_WORDS)}${person.pinyin.surname}${random.int(10, 9999)}`
    }
    // WeChat ids start with a letter and are 6–20 characters.
    if (id.length < 6) id += random.int(100, 999)
    if (attempt > 3) id += `_${random.int(1000, 99999)}`
    id = id.slice(0, 20)
    if (!taken.has(id)) {
      taken.add(id)
      return id
    }
  }
}

// Mainland mobile number blocks of the three carriers.
const MOBILE_PREFIXES = [
  '134', '135', '136', '137', '138', '139', '147', '150', '151', '152', '157', '158', '159', '172', '178', '182', '183', '184', '187', '188', '198',
  '130', '131', '132', '145', '155', '156', '166', '175', '176', '185', '186', '196',
  '133', '149', '153', '173', '177', '180', '181', '189', '190', '191', '193', '199',
]

export function mobile(random: Random, taken: Set<string>): string {
  for (;;) {
    const number = random.pick(MOBILE_PREFIXES) + String(random.int(0, 99_999_999)).padStart(8, '0')
    const e164 = `+86${number}`
    if (!taken.has(e164)) {
      taken.add(e164)
      return e164
    }
  }
}

// [province, city, districts, weight]: weighted towards the provinces where social
// selling is strongest (the coastal south and east, the populous centre).
const PLACES: readonly (readonly [string, string, readonly string[], number])[] = [
  ['广东省', '广州市', ['天河区', '海珠区', '越秀区', '白云区', '番禺区'], 8],
  ['广东省', '深圳市', ['南山区', '福田区', '宝安区', '龙岗区', '龙华区'], 8],
  ['广东省', '佛山市', ['禅城区', '南海区', '顺德区'], 4],
  ['广东省', '东莞市', ['南城街道', '东城街道', '长安镇', '虎门镇'], 3],
  ['浙江省', '杭州市', ['西湖区', '拱墅区', '滨江区', '余杭区', '萧山区'], 7],
  ['浙江省', '宁波市', ['鄞州区', '海曙区', '江北区'], 3],
  ['浙江省', '温州市', ['鹿城区', '瓯海区', '瑞安市'], 3],
  ['浙江省', '金华市', ['婺城区', '义乌市', '东阳市'], 3],
  ['江苏省', '南京市', ['鼓楼区', '玄武区', '江宁区', '建邺区'], 5],
  ['江苏省', '苏州市', ['姑苏区', '吴中区', '工业园区', '昆山市'], 5],
  ['江苏省', '无锡市', ['梁溪区', '滨湖区', '江阴市'], 2],
  ['上海市', '上海市', ['浦东新区', '徐汇区', '闵行区', '静安区', '宝山区'], 6],
  ['北京市', '北京市', ['朝阳区', '海淀区', '丰台区', '通州区', '昌平区'], 5],
  ['山东省', '济南市', ['历下区', '市中区', '槐荫区'], 3],
  ['山东省', '青岛市', ['市南区', '崂山区', '黄岛区'], 3],
  ['山东省', '临沂市', ['兰山区', '罗庄区', '沂水县'], 2],
  ['河南省', '郑州市', ['金水区', '二七区', '中原区', '郑东新区'], 4],
  ['河南省', '洛阳市', ['西工区', '洛龙区', '偃师区'], 2],
  ['河南省', '商丘市', ['梁园区', '永城市', '虞城县'], 2],
  ['四川省', '成都市', ['锦江区', '武侯区', '高新区', '双流区', '郫都区'], 5],
  ['四川省', '绵阳市', ['涪城区', '游仙区', '江油市'], 2],
  ['湖北省', '武汉市', ['武昌区', '洪山区', '江汉区', '汉阳区'], 4],
  ['湖北省', '宜昌市', ['西陵区', '夷陵区', '枝江市'], 1],
  ['湖南省', '长沙市', ['岳麓区', '雨花区', '开福区', '天心区'], 4],
  ['湖南省', '衡阳市', ['蒸湘区', '石鼓区', '衡南县'], 1],
  ['福建省', '福州市', ['鼓楼区', '台江区', '仓山区'], 3],
  ['福建省', '厦门市', ['思明区', '湖里区', '集美区'], 3],
  ['福建省', '泉州市', ['丰泽区', '晋江市', '石狮市'], 2],
  ['安徽省', '合肥市', ['蜀山区', '包河区', '庐阳区'], 3],
  ['安徽省', '阜阳市', ['颍州区', '临泉县', '太和县'], 1],
  ['江西省', '南昌市', ['东湖区', '红谷滩区', '青山湖区'], 2],
  ['河北省', '石家庄市', ['长安区', '桥西区', '裕华区'], 2],
  ['河北省', '保定市', ['竞秀区', '莲池区', '涿州市'], 2],
  ['陕西省', '西安市', ['雁塔区', '碑林区', '未央区', '长安区'], 3],
  ['重庆市', '重庆市', ['渝中区', '江北区', '渝北区', '南岸区', '沙坪坝区'], 4],
  ['广西壮族自治区', '南宁市', ['青秀区', '兴宁区', '西乡塘区'], 2],
  ['云南省', '昆明市', ['五华区', '盘龙区', '官渡区'], 2],
  ['辽宁省', '沈阳市', ['和平区', '沈河区', '浑南区'], 2],
  ['辽宁省', '大连市', ['中山区', '沙河口区', '甘井子区'], 2],
  ['黑龙江省', '哈尔滨市', ['南岗区', '道里区', '香坊区'], 2],
  ['吉林省', '长春市', ['朝阳区', '南关区', '绿园区'], 1],
  ['山西省', '太原市', ['小店区', '迎泽区', '杏花岭区'], 1],
  ['贵州省', '贵阳市', ['南明区', '云岩区', '观山湖区'], 1],
  ['天津市', '天津市', ['和平区', '南开区', '河西区', '滨海新区'], 2],
  ['海南省', '海口市', ['龙华区', '美兰区'], 1],
]
const placePicker = new WeightedPicker(PLACES, PLACES.map((p) => p[3]))

const STREETS = ['人民路', '解放路', '建设路', '中山路', '新华路', '文化路', '和平路', '长江路', '黄河路', '学府路', '朝阳路', '光明路', '幸福路', '工业大道', '滨江大道', '世纪大道', '金融街', '锦绣路', '花园路', '育才路']
const ESTATE_FIRST = ['阳光', '金色', '绿地', '万科', '碧桂园', '保利', '翡翠', '锦绣', '世纪', '龙湖', '中海', '恒大', '春华', '紫荆', '书香', '江南', '和园', '御景']
const ESTATE_LAST = ['花园', '家园', '名苑', '新城', '小区', '公馆', '华府', '雅苑', '城', '湾', '府']

export interface Place {
  province: string
  city: string
  address: string
}

export function address(random: Random): Place {
  const [province, city, districts] = placePicker.pick(random)
  const district = random.pick(districts)
  const street = random.pick(STREETS)
  const estate = random.pick(ESTATE_FIRST) + random.pick(ESTATE_LAST)
  const building = random.int(1, 28)
  const unit = random.int(1, 4)
  const room = random.int(1, 32) * 100 + random.int(1, 4)
  const head = province === city ? city : province + city
  return { province, city, address: `${head}${district}${street}${random.int(1, 899)}号${estate}${building}栋${unit}单元${room}` }
}

/** Shares of the research segments (DOMAIN.md); the rest not yet classified. */
export const SEGMENT_SHARES: readonly (readonly [Segment | null, number])[] = [
  ['trend', 20],
  ['bargain', 13],
  ['family', 10],
  ['casual', 12],
  ['county', 11],
  ['digital', 8],
  ['fan', 6],
  [null, 20],
]

/** Tags operators put on customers, with the segments that make each likelier. */
const TAGS: readonly (readonly [string, number, readonly (Segment | null)[]])[] = [
  ['宝妈', 22, ['family', 'bargain']],
  ['上班族', 20, ['trend', 'digital']],
  ['学生党', 8, ['fan', 'trend']],
  ['爱美妆', 16, ['trend', 'fan']],
  ['母婴', 14, ['family']],
  ['团购达人', 10, ['bargain', 'county']],
  ['老客户', 12, []],
  ['回头客', 9, []],
  ['价格敏感', 8, ['bargain', 'county']],
  ['晒单达人', 6, ['trend', 'fan']],
  ['国货控', 7, ['county', 'trend']],
  ['品质控', 6, ['family']],
  ['养生', 6, ['family', 'casual']],
  ['健身', 4, ['trend', 'digital']],
  ['宠物主', 4, ['casual', 'trend']],
  ['二胎家庭', 4, ['family']],
  ['数码控', 3, ['digital']],
  ['追星', 3, ['fan']],
  ['夜猫子', 3, ['casual', 'digital']],
  ['自提', 3, []],
]

export function tagsFor(random: Random, segment: Segment | null, relClass: 'A' | 'B' | 'C', orders: number): string[] {
  const count = weighted(random, [
    [0, 12],
    [1, 30],
    [2, 33],
    [3, 18],
    [4, 7],
  ] as const)
  const entries = TAGS.map(([tag, w, segs]) => {
    let weight = w * (segment && segs.includes(segment) ? 3 : 1)
    if (tag === '老客户') weight = relClass === 'A' ? weight * 2 : orders > 0 ? weight : 0
    if (tag === '回头客' && orders < 2) weight = 0
    return [tag, weight] as const
  })
  const out: string[] = []
  for (let i = 0; i < count * 3 && out.length < count; i++) {
    const tag = weighted(random, entries)
    if (!out.includes(tag)) out.push(tag)
  }
  return out
}

const NOTE_PARTS: readonly string[] = [
  '孩子{age}岁，最近关注辅食和纸尿裤',
  '喜欢国货护肤，对成分比较在意',
  '对价格比较敏感，拼团价才下单',
  '一般晚上九点以后回消息',
  '上次的面霜反馈很好，愿意晒单',
  '住得近，可以自提',
  '大学同学，信任度高',
  '老家亲戚，逢年过节会给家里囤货',
  '不喜欢被频繁私聊，一周最多发一次',
  '皮肤偏敏感，推荐温和款',
  '家里有老人，关注营养保健',
  '喜欢在群里互动，常帮忙解答新人问题',
  '公司同事，午休时间看朋友圈',
  '买过三次坚果礼盒，送客户用',
  '对快递时效要求高，尽量发顺丰',
  '生日在{month}月，记得送小样',
  '养了两只猫，关注宠物用品',
  '健身中，偏好低糖零食',
  '在县城开小店，会批量拿货自用',
  '朋友推荐来的，第一次下单有点犹豫',
]

export function notesFor(random: Random): string {
  const parts = random.sample(NOTE_PARTS, random.chance(0.3) ? 2 : 1)
  return parts
    .map((p) => p.replace('{age}', String(random.int(1, 9))).replace('{month}', String(random.int(1, 12))))
    .join('；')
}
