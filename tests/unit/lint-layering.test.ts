import { join } from 'node:path'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

/**
 * The layering rules of eslint.config.js, checked through ESLint itself. In plain
 * Node `import 'electron'` returns a path string instead of failing, so without
 * this rule a core that reached for electron would pass every other test.
 */
const root = join(import.meta.dirname, '..', '..')
let eslint: ESLint
beforeAll(() => {
  eslint = new ESLint({ cwd: root })
})

async function layeringErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(root, file) })
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}
const importing = (specifier: string) => `import * as dep from '${specifier}'\nexport const used = dep\n`

describe('layering', () => {
  it('refuses electron in the core and allows it in the desktop shell', async () => {
    const code = "import { app } from 'electron'\nexport const name = app.name\n"
    const core = await layeringErrors('src-main/core/leak.ts', code)
    expect(core).toHaveLength(1)
    expect(core[0]).toContain('electron')
    expect(await layeringErrors('src-main/electron/ok.ts', code)).toEqual([])
  })

  it.each([
    ['src-main/core/customers/leak.ts', 'vue'],
    ['src-main/core/customers/leak.ts', 'naive-ui'],
    ['src-main/core/customers/leak.ts', 'pinia'],
    ['src-main/core/customers/leak.ts', '../../electron/app'],
    ['src-main/core/customers/leak.ts', '../../host/server'],
    ['src-main/core/customers/leak.ts', '../../cli/main'],
    ['src-main/core/customers/leak.ts', '../../../src-renderer/src/api/client'],
    ['src-main/electron/leak.ts', '../host/server'],
    ['src-main/electron/leak.ts', '../cli/main'],
    ['src-main/host/leak.ts', 'electron'],
    ['src-main/host/leak.ts', '../electron/app'],
    ['src-renderer/src/leak.ts', '../../src-main/core/api'],
    ['src-renderer/src/leak.ts', '../../src-server/index'],
    ['src-renderer/src/leak.ts', 'electron'],
    ['src-shared/leak.ts', 'node:fs'],
    ['src-shared/leak.ts', 'path'],
    ['src-shared/leak.ts', 'electron'],
  ])('%s may not import %s', async (file, specifier) => {
    expect(await layeringErrors(file, importing(specifier))).toHaveLength(1)
  })

  it.each([
    ['src-main/core/customers/ok.ts', '../../../src-shared/contract'],
    ['src-main/core/customers/ok.ts', 'node:fs'],
    ['src-main/electron/ok.ts', '../core/api'],
    ['src-main/host/ok.ts', '../core/api'],
    ['src-main/cli/ok.ts', '../host/server'],
    ['src-renderer/src/ok.ts', '@shared/contract'],
    ['src-renderer/src/ok.ts', 'naive-ui'],
    ['src-main/core/ok.ts', 'electron-updater-like-name'],
    ['src-main/host/ok.ts', 'fastify'],
  ])('%s may import %s', async (file, specifier) => {
    expect(await layeringErrors(file, importing(specifier))).toEqual([])
  })
})
