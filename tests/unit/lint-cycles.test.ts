import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { cruise, type ICruiseOptions } from 'dependency-cruiser'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * The cycle rules of .dependency-cruiser.cjs (run by `npm run lint`), checked through
 * dependency-cruiser itself on small trees: a loop of files and a loop of folders are
 * refused, a tree that only points one way is not.
 */
const root = join(import.meta.dirname, '..', '..')
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as { forbidden: NonNullable<ICruiseOptions['ruleSet']>['forbidden'] }
const made: string[] = []
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })))

async function violations(files: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'orchard-cycles-'))
  made.push(dir)
  for (const [name, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), source)
  }
  const result = await cruise([dir], { ruleSet: { forbidden: config.forbidden }, validate: true, tsPreCompilationDeps: true })
  if (typeof result.output === 'string') throw new Error('expected a structured result')
  return result.output.summary.violations.map((v) => v.rule.name)
}

describe('cycles', () => {
  it('refuses two files that import each other', async () => {
    const found = await violations({
      'a.ts': "import { b } from './b'\nexport const a = () => b\n",
      'b.ts': "import { a } from './a'\nexport const b = () => a\n",
    })
    expect(found).toContain('no-file-cycle')
  })

  it('refuses two folders that import each other, even through different files', async () => {
    const found = await violations({
      'ledger/keys.ts': "import type { Context } from '../context/types'\nexport type Key = { ctx: Context }\n",
      'context/types.ts': 'export interface Context { now: number }\n',
      'context/store.ts': "import type { Key } from '../ledger/keys'\nexport const keys: Key[] = []\n",
    })
    // Each folder of the loop is named; no file imports another that imports it back.
    expect(found.length).toBeGreaterThan(0)
    expect(new Set(found)).toEqual(new Set(['no-folder-cycle']))
  })

  it('lets folders depend one way', async () => {
    const found = await violations({
      'ledger/keys.ts': "import type { Context } from '../context/types'\nexport type Key = { ctx: Context }\n",
      'context/types.ts': 'export interface Context { now: number }\n',
    })
    expect(found).toEqual([])
  })
})
