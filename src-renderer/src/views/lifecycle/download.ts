import { browserToken, hostKind } from '@/api/client'
import { host } from '@/api/host'
import { HTTP_DOWNLOAD } from '@shared/transport'

/**
 * Hands a file the core writes (an audit export, a kit) to the person: the desktop shell
 * asks where to save it first and the core writes it there; browser mode lets the core
 * write into the data folder's exports/ and downloads it from there.
 */
export async function saveCoreFile<R extends { path: string; fileName: string }>(
  write: (path?: string) => Promise<R>,
  options: { defaultName: string; filterName: string; extension: string },
): Promise<R | null> {
  if (window.orchardHost) {
    const path = await window.orchardHost.pickSavePath({
      title: options.filterName,
      defaultName: options.defaultName,
      filters: [{ name: options.filterName, extensions: [options.extension] }],
    })
    if (!path) return null
    return write(path)
  }
  const result = await write()
  downloadCoreFile(result.path, result.fileName)
  return result
}

/** A file already written under exports/ (browser mode), or shown in its folder (desktop). */
export function downloadCoreFile(path: string, fileName: string): void {
  if (hostKind === 'electron') {
    void host.showItemInFolder(path)
    return
  }
  const a = document.createElement('a')
  a.href = coreFileUrl(path)
  a.download = fileName
  document.body.appendChild(a)
  a.click()
  a.remove()
}

/** Where browser mode serves a file of exports/ from (the desktop shell has no such door). */
export function coreFileUrl(path: string): string {
  return `${HTTP_DOWNLOAD}?path=${encodeURIComponent(path)}&token=${encodeURIComponent(browserToken())}`
}
