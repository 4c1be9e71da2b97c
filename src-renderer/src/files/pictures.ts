/**
 * Pictures chosen in the console travel to the core as base64 (browser mode has no
 * shared file system). The contract caps the text at 20 million characters, which is
 * 15 MB of picture; larger files are refused here, by name, before they are read.
 */
export const MAX_PICTURE_BYTES = 14 * 1024 * 1024

/** The file's bytes as base64, without the data: URL prefix. */
export function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => {
      const url = String(reader.result ?? '')
      resolve(url.slice(url.indexOf(',') + 1))
    }
    reader.onerror = () => reject(reader.error ?? new Error(`cannot read ${file.name}`))
    reader.readAsDataURL(file)
  })
}
