import { reactive } from 'vue'

/**
 * The schedule slots an operator ticked off while going through the packs, kept for
 * as long as the console is open (switching packs or screens keeps them). Posting
 * itself happens by hand in WeChat: a tick is the operator's own note, nothing more.
 */
const ticked = reactive(new Set<string>())

export const tickKey = (jobId: string, folder: string, slot: string) => `${jobId}|${folder}|${slot}`
export const isTicked = (key: string) => ticked.has(key)
export function setTicked(key: string, on: boolean): void {
  if (on) ticked.add(key)
  else ticked.delete(key)
}
