import { once } from 'node:events'
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { ZipArchive } from 'archiver'

/**
 * Files an attacker or an unlucky export would hand the importer, made at run time
 * (the large ones are never committed): workbooks that unpack to far more than they
 * weigh, zips that lie about their sizes, text in two encodings at once.
 */

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const column = (i: number) => String.fromCharCode(65 + i)

function sheetXml(header: string[], rows: number, row: (i: number) => string[]): Readable {
  const cells = (values: string[], r: number) =>
    values.map((v, c) => `<c r="${column(c)}${r}" t="inlineStr"><is><t>${escapeXml(v)}</t></is></c>`).join('')
  async function* parts() {
    yield `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
    yield `<row r="1">${cells(header, 1)}</row>`
    let batch = ''
    for (let i = 0; i < rows; i++) {
      batch += `<row r="${i + 2}">${cells(row(i), i + 2)}</row>`
      if (batch.length > 256 * 1024) {
        yield batch
        batch = ''
      }
    }
    yield `${batch}</sheetData></worksheet>`
  }
  return Readable.from(parts())
}

/**
 * A one-sheet workbook ("客户") written with inline strings, streamed into the zip so
 * that millions of rows cost the test no memory. Rows that repeat compress to almost
 * nothing: 2,000,000 of them are a few megabytes on disk and well over 100 MB unpacked.
 */
export async function writeWorkbook(path: string, header: string[], rows: number, row: (i: number) => string[]): Promise<void> {
  const zip = new ZipArchive({ zlib: { level: 6 } })
  const out = createWriteStream(path)
  zip.pipe(out)
  zip.append(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
      `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
      `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    { name: '[Content_Types].xml' },
  )
  zip.append(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    { name: '_rels/.rels' },
  )
  zip.append(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
      `<sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    { name: 'xl/workbook.xml' },
  )
  zip.append(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    { name: 'xl/_rels/workbook.xml.rels' },
  )
  zip.append(sheetXml(header, rows, row), { name: 'xl/worksheets/sheet1.xml' })
  await zip.finalize()
  await once(out, 'close')
}

/**
 * Makes the zip's central directory claim `size` bytes for one part (what a crafted
 * zip bomb does to pass a size check): the part still inflates to its real size.
 */
export function understateSize(path: string, part: string, size: number): void {
  const zip = readFileSync(path)
  const name = Buffer.from(part)
  // Central directory headers: PK\1\2, the name at 46, its length at 28, the uncompressed size at 24.
  const header = Buffer.from([0x50, 0x4b, 0x01, 0x02])
  for (let at = zip.indexOf(header); at >= 0; at = zip.indexOf(header, at + 4)) {
    const nameLength = zip.readUInt16LE(at + 28)
    if (zip.subarray(at + 46, at + 46 + nameLength).equals(name)) {
      zip.writeUInt32LE(size, at + 24)
      writeFileSync(path, zip)
      return
    }
  }
  throw new Error(`no part ${part} in ${path}`)
}

/** Text as UTF-16 with its byte order mark, little- or big-endian. */
export function utf16(text: string, endian: 'le' | 'be'): Buffer {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
  if (endian === 'le') return le
  const be = Buffer.from(le)
  for (let i = 0; i + 1 < be.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]]
  return be
}
