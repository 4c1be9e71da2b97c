import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OrchardError } from '../../../src-shared/errors'
import { dataPaths, type DataPaths } from '../../../src-main/core/paths'
import { readPreferences, writePreferences } from '../../../src-main/core/preferences'

let dir: string
let paths: DataPaths
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-prefs-'))
  paths = dataPaths(join(dir, 'data'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const errorOf = (fn: () => unknown): OrchardError => {
  try {
    fn()
  } catch (err) {
    return err as OrchardError
  }
  throw new Error('expected an error')
}

describe('preferences', () => {
  it('starts a new data folder on the demo studio unless told otherwise', () => {
    expect(readPreferences(paths, {})).toEqual({ firstStart: 'demo' })
    writePreferences(paths, { firstStart: 'empty' })
    expect(readPreferences(paths, {})).toEqual({ firstStart: 'empty' })
    expect(JSON.parse(readFileSync(paths.preferences, 'utf8'))).toEqual({ firstStart: 'empty' })
  })

  it('lets ORCHARD_FIRST_START override the file', () => {
    writePreferences(paths, { firstStart: 'empty' })
    expect(readPreferences(paths, { ORCHARD_FIRST_START: 'demo' })).toEqual({ firstStart: 'demo' })
    expect(readPreferences(paths, { ORCHARD_FIRST_START: 'nonsense' })).toEqual({ firstStart: 'empty' })
  })

  it('keeps keys it does not know when writing', () => {
    writePreferences(paths, {})
    writeFileSync(paths.preferences, JSON.stringify({ firstStart: 'demo', windowBounds: { width: 1200 } }))
    writePreferences(paths, { firstStart: 'empty' })
    expect(JSON.parse(readFileSync(paths.preferences, 'utf8'))).toEqual({ firstStart: 'empty', windowBounds: { width: 1200 } })
  })

  it('names the file and the problem when it is malformed', () => {
    writePreferences(paths, {})
    writeFileSync(paths.preferences, '{"firstStart": "empty",')
    const broken = errorOf(() => readPreferences(paths, {}))
    expect(broken).toBeInstanceOf(OrchardError)
    expect(broken.code).toBe('preferences_invalid')
    expect(broken.message).toContain('JSON')
    expect(broken.details).toMatchObject({ file: paths.preferences })
    // writing over a file it cannot read would lose whatever the user put there
    expect(errorOf(() => writePreferences(paths, { firstStart: 'demo' })).code).toBe('preferences_invalid')

    writeFileSync(paths.preferences, JSON.stringify({ firstStart: 'blank' }))
    expect(errorOf(() => readPreferences(paths, {})).details).toMatchObject({ file: paths.preferences, field: 'firstStart', value: '"blank"' })
    writeFileSync(paths.preferences, '[]')
    expect(errorOf(() => readPreferences(paths, {})).details).toMatchObject({ file: paths.preferences, why: 'not an object' })
  })
})
