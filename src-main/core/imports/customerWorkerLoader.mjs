// The customer import thread when Orchard runs from its TypeScript sources (CLI,
// browser mode, tests, benchmarks): a worker thread does not inherit the parent's
// TypeScript loader, so it registers its own before loading the worker. A desktop
// build that bundles customerWorker.ts as customerWorker.js beside the main code is
// found first (see customerThread.ts).
import { register } from 'tsx/esm/api'

register()
await import(new URL('./customerWorker.ts', import.meta.url).href)
