import { join } from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const code = "import { app } from 'electron'\nexport const name = app.name\n"

describe('layering', () => {
  it('refuses electron in the core and allows it in the desktop shell', async () => {
    const eslint = new ESLint({ cwd: root })
    const [core] = await eslint.lintText(code, { filePath: join(root, 'src-main/core/leak.ts') })
    expect(core.messages.map((m) => m.ruleId)).toContain('no-restricted-imports')
    const [shell] = await eslint.lintText(code, { filePath: join(root, 'src-main/electron/ok.ts') })
    expect(shell.messages.map((m) => m.ruleId)).not.toContain('no-restricted-imports')
  })

  it('refuses the renderer reaching into the main process', async () => {
    const eslint = new ESLint({ cwd: root })
    const [renderer] = await eslint.lintText("import { createCore } from '../../src-main/core/api'\nexport const c = createCore\n", {
      filePath: join(root, 'src-renderer/src/leak.ts'),
    })
    expect(renderer.messages.map((m) => m.ruleId)).toContain('no-restricted-imports')
  })
})
