import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

/** A keychain stand-in: "encrypts" by reversing and tagging, so a wrapped file is visibly not the key. */
const keychain = vi.hoisted(() => ({
  available: true,
  isEncryptionAvailable: () => keychain.available,
  encryptString: (s: string) => Buffer.from(`KC:${[...s].reverse().join('')}`),
  decryptString: (b: Buffer) => [...b.toString().slice(3)].reverse().join(''),
}))
vi.mock('electron', () => ({ safeStorage: keychain }))

const { keychainKeyStore } = await import('../../../src-main/electron/keystore')
const { fileKeyStore } = await import('../../../src-main/core/ledger/keystore')

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-keychain-'))
  keychain.available = true
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('the desktop shell’s payout key', () => {
  it('is kept wrapped by the OS keychain, never as a plain file, and stays the same across starts', () => {
    const key = keychainKeyStore(dir).dataKey()
    expect(key).toHaveLength(32)
    expect(existsSync(join(dir, 'ledger.key'))).toBe(false)
    expect(readFileSync(join(dir, 'ledger.key.keychain')).toString()).toMatch(/^KC:/)
    expect(keychainKeyStore(dir).dataKey().equals(key)).toBe(true)
  })

  it('takes over a key plain Node wrote before, so accounts saved in browser mode stay readable', () => {
    const before = fileKeyStore(dir).dataKey()
    expect(keychainKeyStore(dir).dataKey().equals(before)).toBe(true)
    expect(existsSync(join(dir, 'ledger.key'))).toBe(false)
    expect(() => fileKeyStore(dir).dataKey()).toThrow(/keychain/)
  })

  it('falls back to the 0600 key file where no keychain is available', () => {
    keychain.available = false
    const key = keychainKeyStore(dir).dataKey()
    expect(readFileSync(join(dir, 'ledger.key'), 'utf8').trim()).toBe(key.toString('base64'))
  })

  it('refuses a damaged key file with its location', () => {
    keychain.available = false
    writeFileSync(join(dir, 'ledger.key'), 'short', { mode: 0o600 })
    expect(() => keychainKeyStore(dir).dataKey()).toThrow(/ledger\.key/)
  })
})
