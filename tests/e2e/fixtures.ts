import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base, expect } from '@playwright/test'

const root = join(import.meta.dirname, '..', '..')

interface Console {
  url: string
  dataDir: string
}

/** Starts `orchard web` on a fresh data folder for one test, like a studio opening the console. */
async function startConsole(options: { empty?: boolean }): Promise<{ console: Console; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orchard-e2e-'))
  const args = [join(root, 'bin', 'orchard.mjs'), 'web', '--data-dir', dataDir, '--port', '0', '--json', ...(options.empty ? ['--empty'] : [])]
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) resolve((JSON.parse(line) as { url: string }).url)
    })
    child.on('exit', (code) => reject(new Error(`orchard web exited (${code}): ${stderr}`)))
  })
  return {
    console: { url, dataDir },
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export const test = base.extend<{ studio: Console; emptyStudio: Console }>({
  studio: async ({ page }, use) => {
    const { console, stop } = await startConsole({})
    await page.goto(console.url)
    await use(console)
    await stop()
  },
  emptyStudio: async ({ page }, use) => {
    const { console, stop } = await startConsole({ empty: true })
    await page.goto(console.url)
    await use(console)
    await stop()
  },
})
export { expect }
