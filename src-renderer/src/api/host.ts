import type { CustomerFilter } from '@shared/schemas'
import type { ExportEntity } from '@shared/vocabulary'
import type { OrchardHostBridge } from '@shared/transport'
import { HTTP_DOWNLOAD, HTTP_UPLOAD } from '@shared/transport'
import { api, browserToken, hostKind, OrchardClientError } from './client'
import { studioToday } from '@/format/time'

declare global {
  interface Window {
    orchardHost?: OrchardHostBridge
  }
}

/**
 * What differs between the desktop shell and browser mode: picking files and
 * handing files back to the user. Everything else goes through `api`.
 */
export const host = {
  kind: hostKind,

  /** Picks a CSV/XLSX to import: a native dialog in Electron, an upload in browser mode. Returns a path the core can read. */
  async pickImportFile(): Promise<{ path: string; name: string } | null> {
    if (window.orchardHost) {
      const path = await window.orchardHost.pickOpenFile({
        title: '选择要导入的文件 / Choose a file to import',
        filters: [{ name: 'CSV / Excel', extensions: ['csv', 'txt', 'xlsx'] }],
      })
      return path ? { path, name: path.split(/[\\/]/).pop() ?? path } : null
    }
    const file = await chooseBrowserFile('.csv,.txt,.xlsx')
    if (!file) return null
    return { path: await uploadFile(file), name: file.name }
  },

  /**
   * Exports an entity (customers: optionally only those the list's filters show; optionally only some columns) and gives the file to the user
   * (save dialog, or a download). `jobId`: the id its progress and a cancel (jobs.cancel) know it by.
   */
  async saveExport(entity: ExportEntity, format: 'csv' | 'xlsx', filter?: CustomerFilter, columns?: string[], jobId?: string): Promise<{ fileName: string; rows: number } | null> {
    if (window.orchardHost) {
      const path = await window.orchardHost.pickSavePath({
        title: '导出 / Export',
        defaultName: `${entity}${filter ? '-filtered' : ''}-${studioToday()}.${format}`,
        filters: [{ name: format.toUpperCase(), extensions: [format] }],
      })
      if (!path) return null
      const result = await api.exports.run({ entity, format, path, filter, columns, jobId })
      return { fileName: result.fileName, rows: result.rows }
    }
    const result = await api.exports.run({ entity, format, filter, columns, jobId })
    triggerDownload(`${HTTP_DOWNLOAD}?path=${encodeURIComponent(result.path)}&token=${encodeURIComponent(browserToken())}`, result.fileName)
    return { fileName: result.fileName, rows: result.rows }
  },

  /**
   * Gives the user a file the core writes (a statement, a report): the desktop asks
   * where to save it, the browser downloads what the core wrote into exports/.
   */
  async saveGenerated(defaultName: string, produce: (path?: string) => Promise<{ path: string; fileName: string }>): Promise<string | null> {
    const ext = defaultName.split('.').pop() ?? ''
    if (window.orchardHost) {
      const path = await window.orchardHost.pickSavePath({ title: '导出 / Export', defaultName, filters: [{ name: ext.toUpperCase(), extensions: [ext] }] })
      if (!path) return null
      return (await produce(path)).fileName
    }
    const result = await produce()
    triggerDownload(`${HTTP_DOWNLOAD}?path=${encodeURIComponent(result.path)}&token=${encodeURIComponent(browserToken())}`, result.fileName)
    return result.fileName
  },

  /** Hands text the console produced (an error report) to the user as a file. */
  downloadText(fileName: string, text: string, mime = 'text/csv;charset=utf-8'): void {
    const url = URL.createObjectURL(new Blob([text], { type: mime }))
    triggerDownload(url, fileName)
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  },

  showItemInFolder(path: string): Promise<void> | undefined {
    return window.orchardHost?.showItemInFolder(path)
  },
}

function chooseBrowserFile(accept: string): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input')
    input.type = 'file'
    input.accept = accept
    input.style.display = 'none'
    input.addEventListener('change', () => resolve(input.files?.[0] ?? null))
    input.addEventListener('cancel', () => resolve(null))
    document.body.appendChild(input)
    input.click()
    setTimeout(() => input.remove(), 60_000)
  })
}

async function uploadFile(file: File): Promise<string> {
  const res = await fetch(`${HTTP_UPLOAD}?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${browserToken()}`, 'content-type': 'application/octet-stream' },
    body: file,
  })
  const body = (await res.json()) as { path?: string; error?: { code: string; message: string } }
  if (!res.ok || !body.path) throw new OrchardClientError(body.error ?? { code: 'upload_failed', message: `上传失败 / upload failed (${res.status})` })
  return body.path
}

function triggerDownload(href: string, fileName: string) {
  const a = document.createElement('a')
  a.href = href
  a.download = fileName
  document.body.appendChild(a)
  a.click()
  a.remove()
}
