/**
 * A poster worker thread: renders member posters for the pack generator. It keeps
 * the shared layers of each template and product it has drawn (the photo, title,
 * prices and badge, rendered once) and stamps each member's QR and code on them.
 */
import { createHash } from 'node:crypto'
import { preparePoster, renderMemberPoster, type PosterMember, type PosterProduct, type PosterStudio, type PosterTemplate, type PreparedPoster } from '../render'

export interface PosterTask {
  template: PosterTemplate
  product: PosterProduct
  studio: PosterStudio
  member: PosterMember
}

const prepared = new Map<string, Promise<PreparedPoster>>()

/** The shared layers of a template and product, drawn once per thread. */
function layersFor(task: PosterTask): Promise<PreparedPoster> {
  const key = createHash('sha1').update(JSON.stringify([task.template, task.product, task.studio])).digest('hex')
  let p = prepared.get(key)
  if (!p) {
    p = preparePoster(task.template, task.product, task.studio)
    // A failed preparation is not remembered: the next task tries again and reports its own error.
    p.catch(() => prepared.delete(key))
    prepared.set(key, p)
  }
  return p
}

export async function renderPosterTask(task: PosterTask): Promise<Buffer> {
  return renderMemberPoster(await layersFor(task), task.member)
}

export default renderPosterTask
