import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import yauzl from 'yauzl'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestStudio, refusal, type TestStudio } from '../lifecycle.testkit'
import { pdfText } from '../pdf/pdfText.testkit'
import { sanitizeRichText } from '../pdf/richText'

let s: TestStudio

beforeAll(async () => {
  s = await openTestStudio('2026-11-23T06:30:00Z', 'demo')
})
afterAll(async () => {
  await s.close()
})

function zipEntries(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err)
      const out = new Map<string, Buffer>()
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e)
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks))
            zip.readEntry()
          })
        })
      })
      zip.on('end', () => resolve(out))
      zip.readEntry()
    })
  })
}

describe('onboarding kits', () => {
  it('generates, for each member, a PDF with every section and the member’s name, the scripts as text and posters, zipped', async () => {
    await s.signIn('trainer')
    const db = s.core.context.db
    const members = db.prepare("SELECT id, name, invite_code AS code FROM members WHERE status = 'active' ORDER BY join_date DESC LIMIT 2").all() as { id: string; name: string; code: string }[]
    const template = await s.core.invoke('kits', 'get', { id: (await s.core.invoke('kits', 'templates'))[0].id })
    const out = join(s.dir, 'kits')
    const result = await s.core.invoke('kits', 'generate', { memberIds: members.map((m) => m.id), outDir: out })
    expect(result.kits).toHaveLength(2)

    const kit = result.kits[0]
    expect(kit.pages).toBeGreaterThanOrEqual(template.sections.length + 2)
    const pages = await pdfText(readFileSync(kit.pdfPath))
    expect(pages).toHaveLength(kit.pages)
    const text = pages.join('\n')
    expect(pages[0]).toContain(members[0].name)
    expect(pages[0]).toContain(members[0].code)
    for (const section of template.sections) expect(text).toContain(section.title)
    // The table of contents names every section with the page it starts on.
    for (const section of template.sections) {
      const start = pages.findIndex((p, i) => i > 1 && p.includes(section.title))
      expect(pages[1]).toContain(section.title)
      expect(pages[1]).toMatch(new RegExp(`${section.title}[^\\d]*${start + 1}`))
    }
    // Honest: no income promise, and no customer's personal data anywhere.
    expect(text).toContain('我们不承诺任何收入数字')
    const phones = db.prepare('SELECT phone FROM customer_phones').all() as { phone: string }[]
    const buyers = db.prepare('SELECT DISTINCT buyer_phone AS phone FROM orders WHERE buyer_phone IS NOT NULL').all() as { phone: string }[]
    const compact = text.replace(/\s+/g, '')
    for (const { phone } of [...phones, ...buyers]) expect(compact).not.toContain(phone.replace(/^\+86/, ''))

    const zip = await zipEntries(kit.zipPath)
    const names = [...zip.keys()]
    expect(names.filter((n) => n.endsWith('.pdf'))).toHaveLength(1)
    const scripts = names.filter((n) => n.startsWith('话术/'))
    expect(scripts.length).toBe(kit.scripts)
    expect(scripts).toContain('话术/00 全部话术.txt')
    const day1 = zip.get(scripts.find((n) => n.startsWith('话术/01'))!)!.toString('utf8')
    expect(day1.startsWith('\uFEFF')).toBe(true)
    expect(day1).not.toMatch(/[<>]/)
    expect(zip.get('话术/00 全部话术.txt')!.toString('utf8')).toContain(members[0].code)
    const posters = names.filter((n) => n.startsWith('海报/'))
    expect(posters).toHaveLength(kit.posters)
    if (kit.posters) expect(zip.get(posters[0])!.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]))
    else expect(result.warnings.length).toBeGreaterThan(0)
  })

  it('sanitises section HTML on save: only headings, paragraphs, emphasis, lists and quotes survive', async () => {
    expect(sanitizeRichText('<h1 class="x">标题</h1><p onclick="evil()">正文<script>alert(1)</script><a href="javascript:x">链接</a><img src=x onerror=y></p><b>粗</b><i>斜</i><li>散项</li>')).toBe(
      '<h2>标题</h2><p>正文链接</p><strong>粗</strong><em>斜</em><p>散项</p>',
    )
    await s.signIn('trainer')
    const saved = await s.core.invoke('kits', 'save', {
      name: '精简版入门包',
      sections: [{ kind: 'role', title: '你的角色', html: '<p style="color:red">欢迎<strong>{{member}}</strong></p><iframe src="x"></iframe><ul><li>一</li><li>二</li></ul>' }],
    })
    expect(saved.sections[0].html).toBe('<p>欢迎<strong>{{member}}</strong></p><ul><li>一</li><li>二</li></ul>')
    await s.signIn('operator')
    expect(await refusal(() => s.core.invoke('kits', 'save', { name: '运营改的', sections: [{ kind: 'faq', title: '问', html: '<p>答</p>' }] }))).toMatchObject({
      code: 'forbidden',
      details: { method: 'kits.save', role: 'operator' },
    })
  })
})
