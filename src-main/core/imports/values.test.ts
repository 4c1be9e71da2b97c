import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { neutralizeCell } from '../exports/cells'
import { parseStatus, referralCode } from './orders'
import Papa from 'papaparse'
import { openCsv, type ImportLimits, type Table } from './read'
import { CellError, DateReader, parseFen, parsePercentBp, parseRelClass, parseSegment, splitPhones, splitTags, unquote } from './values'

const failure = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    if (err instanceof CellError) return err.code
    throw err
  }
  return 'no error'
}

describe('money', () => {
  it('reads yuan as typed into integer fen without float error', () => {
    expect(parseFen('1099.9')).toBe(109990)
    expect(parseFen('0.07')).toBe(7)
    expect(parseFen('¥1,299.00')).toBe(129900)
    expect(parseFen('￥ 39.90 元')).toBe(3990)
    expect(parseFen('１２.５')).toBe(1250)
    expect(parseFen('12.')).toBe(1200)
    expect(parseFen('-5.5', { allowNegative: true })).toBe(-550)
  })

  it('refuses three decimals, negatives and words', () => {
    expect(failure(() => parseFen('99.999'))).toBe('invalid_money')
    expect(failure(() => parseFen('-1'))).toBe('negative_money')
    expect(failure(() => parseFen('面议'))).toBe('invalid_money')
    expect(failure(() => parseFen('1.2.3'))).toBe('invalid_money')
  })

  it('is exact for every amount with two decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (fen) => {
        const text = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`
        expect(parseFen(text)).toBe(fen)
      }),
    )
  })
})

describe('percentages, classes, segments, lists', () => {
  it('reads commission rates as basis points', () => {
    expect(parsePercentBp('12')).toBe(1200)
    expect(parsePercentBp('12.5%')).toBe(1250)
    expect(parsePercentBp('３％')).toBe(300)
    expect(failure(() => parsePercentBp('60%'))).toBe('invalid_percent')
    expect(failure(() => parsePercentBp('abc'))).toBe('invalid_percent')
  })

  it('reads relationship classes the ways studios write them', () => {
    expect(['A', 'a', 'A类', 'A 类·亲友同学', '亲友', '同学'].map(parseRelClass)).toEqual(['A', 'A', 'A', 'A', 'A', 'A'])
    expect(['B', 'B类', '普通朋友'].map(parseRelClass)).toEqual(['B', 'B', 'B'])
    expect(['C', '陌生人'].map(parseRelClass)).toEqual(['C', 'C'])
    expect(failure(() => parseRelClass('D'))).toBe('invalid_class')
  })

  it('reads consumer segments by code, Chinese label or short form', () => {
    expect(parseSegment('bargain')).toBe('bargain')
    expect(parseSegment('务实羊毛党')).toBe('bargain')
    expect(parseSegment('羊毛党')).toBe('bargain')
    expect(parseSegment('数字发燒友')).toBe('digital')
    expect(parseSegment('Family quality seekers')).toBe('family')
    expect(failure(() => parseSegment('土豪'))).toBe('invalid_segment')
  })

  it('splits tags on punctuation, or on spaces when there is none', () => {
    expect(splitTags('宝妈、上班族，学生党;夜猫子|国货控')).toEqual(['宝妈', '上班族', '学生党', '夜猫子', '国货控'])
    expect(splitTags('宝妈 上班族  宝妈')).toEqual(['宝妈', '上班族'])
    expect(splitTags('VIP 客户,')).toEqual(['VIP 客户'])
  })

  it('splits phones on separators but keeps the spaces inside a number', () => {
    expect(splitPhones('138 0013 8000')).toEqual(['138 0013 8000'])
    expect(splitPhones('13800138000、13900139000/0571-88886666；+86 137')).toEqual(['13800138000', '13900139000', '0571-88886666', '+86 137'])
  })
})

describe('dates', () => {
  const dates = new DateReader('Asia/Shanghai')
  it('reads common forms, with the studio zone when no offset is given', () => {
    expect(dates.parse('2026-11-03')).toBe('2026-11-02T16:00:00.000Z')
    expect(dates.parse('2026/11/3 14:05')).toBe('2026-11-03T06:05:00.000Z')
    expect(dates.parse('2026年11月3日 14:05:09')).toBe('2026-11-03T06:05:09.000Z')
    expect(dates.parse('20261103')).toBe('2026-11-02T16:00:00.000Z')
    expect(dates.parse('2026-11-03T14:05:00+08:00')).toBe('2026-11-03T06:05:00.000Z')
    expect(dates.parse('2026-11-18 10:00:00 +0800')).toBe('2026-11-18T02:00:00.000Z')
    expect(dates.parse('2026-11-03T06:05:00.123Z')).toBe('2026-11-03T06:05:00.123Z')
    // Excel serial 46329.5 is 2026-11-03 12:00 on the studio's clock
    expect(dates.parse('46329.5')).toBe('2026-11-03T04:00:00.000Z')
  })

  it('uses the offset of the date itself in zones with daylight saving time', () => {
    const ny = new DateReader('America/New_York')
    expect(ny.parse('2026-07-01 12:00')).toBe('2026-07-01T16:00:00.000Z')
    expect(ny.parse('2026-12-01 12:00')).toBe('2026-12-01T17:00:00.000Z')
  })

  it('refuses dates that do not exist', () => {
    expect(failure(() => dates.parse('2026-02-30'))).toBe('invalid_date')
    expect(failure(() => dates.parse('2026-11-03 25:00'))).toBe('invalid_date')
    expect(failure(() => dates.parse('下周一'))).toBe('invalid_date')
  })
})

describe('orders vocabulary', () => {
  it('maps Shopify and Chinese statuses onto Orchard statuses', () => {
    expect(['paid', 'Partially Refunded', 'voided', 'authorized', '交易成功', '已退款', '交易关闭'].map(parseStatus)).toEqual([
      'paid',
      'partially_refunded',
      'cancelled',
      'pending',
      'paid',
      'refunded',
      'cancelled',
    ])
  })

  it('finds the referral code in Shopify tags and note attributes', () => {
    expect(referralCode('ref:GOLD01, 复购')).toBe('GOLD01')
    expect(referralCode('VIP, ref: ab12')).toBe('ab12')
    expect(referralCode('邀请码：WANG88')).toBe('WANG88')
    expect(referralCode('prefer:morning')).toBeNull()
    expect(referralCode('')).toBeNull()
  })
})

/** Reads CSV bytes handed over in pieces cut at `cuts` (the way a file arrives from disk, or smaller). */
async function readCsv(bytes: Uint8Array | string, cuts: number[] = [], limits?: ImportLimits): Promise<Table> {
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes)
  const at = [...new Set(cuts.map((c) => Math.min(Math.max(0, c), data.length)))].sort((a, b) => a - b)
  const pieces: Uint8Array[] = []
  let from = 0
  for (const c of [...at, data.length]) {
    if (c > from) pieces.push(data.subarray(from, c))
    from = c
  }
  async function* chunks() {
    yield* pieces
  }
  const reader = await openCsv(chunks(), 'x.csv', data.length, limits)
  try {
    return await reader.readAll()
  } finally {
    reader.close()
  }
}

/** What reading the whole text at once with Papa Parse gives: the rows as a spreadsheet numbers them, or the error. */
function wholeText(csv: string): unknown {
  const parsed = Papa.parse<string[]>(csv, { skipEmptyLines: false })
  const fatal = parsed.errors.find((e) => e.type === 'Quotes')
  if (fatal) return { error: { code: 'import_unreadable', row: (fatal.row ?? 0) + 1 } }
  const blank = (cells: string[]) => cells.every((c) => c.trim() === '')
  const start = parsed.data.findIndex((cells) => !blank(cells))
  if (start < 0) return { error: { code: 'import_no_header', row: 1 } }
  const width = parsed.data[start].length
  const rows: string[][] = []
  const rowNumbers: number[] = []
  parsed.data.forEach((cells, i) => {
    if (i <= start || blank(cells)) return
    rows.push(Array.from({ length: width }, (_, k) => (cells[k] ?? '').trim()))
    rowNumbers.push(i + 1)
  })
  return { rows, rowNumbers }
}

const outcome = async (read: () => Promise<Table>) => {
  try {
    const t = await read()
    return { rows: t.rows, rowNumbers: t.rowNumbers }
  } catch (err) {
    const e = err as { code: string; details: { row: number } }
    return { error: { code: e.code, row: e.details.row } }
  }
}

describe('reading CSV text', () => {
  it('numbers rows as a spreadsheet shows them: quoted line breaks stay in one row, blank rows count', async () => {
    const table = await readCsv('姓名,备注\r\n王芳,"第一行\r\n第二行"\r\n\r\n李娜,"他说""好"""\r\n')
    expect(table.rows).toEqual([
      ['王芳', '第一行\r\n第二行'],
      ['李娜', '他说"好"'],
    ])
    expect(table.rowNumbers).toEqual([2, 4])
  })

  it('names blank and repeated headers so each column can be mapped', async () => {
    expect((await readCsv('姓名,,备注,备注\n')).headers).toEqual(['姓名', '列2', '备注', '备注 (2)'])
  })

  it('reads a CSV in pieces of any size exactly as the whole text at once, errors included', async () => {
    // Cells with delimiters, quotes (well-formed and not), line breaks of every kind, spaces, blanks.
    const cell = fc.oneof(
      { weight: 5, arbitrary: fc.stringMatching(/^[a-z王芳0-9 ]{0,6}$/) },
      { weight: 2, arbitrary: fc.stringMatching(/^[a-z王,;|\t\n\r" ]{0,6}$/).map((v) => `"${v.replace(/"/g, '""')}"`) },
      { weight: 1, arbitrary: fc.constantFrom('', ' ', '"', 'a"b', '"a"b', '"a" ', '12" screen', '\u3000x\u3000') },
    )
    const text = fc
      .tuple(fc.array(fc.array(cell, { minLength: 0, maxLength: 5 }), { minLength: 0, maxLength: 14 }), fc.constantFrom(',', ';', '\t'), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean())
      .map(([lines, delimiter, nl, end]) => lines.map((cells) => cells.join(delimiter)).join(nl) + (end ? nl : ''))
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat({ max: 200 }), { maxLength: 6 }), async (csv, cuts) => {
        if (!csv) return
        expect(await outcome(() => readCsv(csv, cuts))).toEqual(wholeText(csv))
      }),
      { numRuns: 2_000 },
    )
  })

  it('decodes GB18030 when the bytes are not UTF-8, whatever pieces they come in', async () => {
    // 姓名\n王芳\n in GBK
    const gbk = Uint8Array.from([0xd0, 0xd5, 0xc3, 0xfb, 0x0a, 0xcd, 0xf5, 0xb7, 0xbc, 0x0a])
    for (const cuts of [[], [1], [6], [2, 3, 7]]) {
      const table = await readCsv(gbk, cuts)
      expect({ encoding: table.encoding, headers: table.headers, rows: table.rows }).toEqual({ encoding: 'GB18030 (GBK)', headers: ['姓名'], rows: [['王芳']] })
    }
  })

  it('strips exactly the quote an export puts before a formula-like cell', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(unquote(neutralizeCell(s))).toBe(s)
      }),
    )
    expect(unquote("'+8613800138000")).toBe('+8613800138000')
    expect(unquote("'s Hertogenbosch")).toBe("'s Hertogenbosch")
  })
})
