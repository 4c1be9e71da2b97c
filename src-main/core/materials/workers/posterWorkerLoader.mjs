// The poster worker when Orchard runs from its TypeScript sources (CLI, browser
// mode, tests): a worker thread does not inherit the parent's TypeScript loader,
// so it registers its own before loading the worker. The desktop build bundles
// posterWorker.ts into out/main/posterWorker.js instead.
import { register } from 'tsx/esm/api'

register()
const worker = await import(new URL('./posterWorker.ts', import.meta.url).href)

export default async function renderPoster(task) {
  const jpeg = await worker.renderPosterTask(task)
  return jpeg
}
