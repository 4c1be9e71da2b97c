import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { safeStorage } from 'electron'
import { writeOutput } from '../core/jobs/outputs'
import { fileKeyStore, KEYCHAIN_KEY_FILE, PLAIN_KEY_FILE, type KeyStore } from '../core/ledger/keystore'

/**
 * The payout-account key, wrapped by the OS keychain (Electron safeStorage: Keychain
 * on macOS, DPAPI on Windows, libsecret/kwallet on Linux) and stored wrapped in the
 * data folder. A key file that plain Node wrote earlier (browser mode, the CLI) is
 * taken over — wrapped, then removed — so accounts saved before stay readable.
 * Where no keychain is available the 0600 key file stays in use.
 */
export function keychainKeyStore(dataDir: string): KeyStore {
  const wrapped = join(dataDir, KEYCHAIN_KEY_FILE)
  const plain = join(dataDir, PLAIN_KEY_FILE)
  let key: Buffer | null = null
  return {
    dataKey() {
      if (key) return key
      if (!safeStorage.isEncryptionAvailable()) return (key = fileKeyStore(dataDir).dataKey())
      if (existsSync(wrapped)) {
        key = Buffer.from(safeStorage.decryptString(readFileSync(wrapped)), 'base64')
        return key
      }
      const fresh = existsSync(plain) ? Buffer.from(readFileSync(plain, 'utf8').trim(), 'base64') : randomBytes(32)
      writeOutput(wrapped, safeStorage.encryptString(fresh.toString('base64')), { mode: 0o600 })
      rmSync(plain, { force: true })
      key = fresh
      return key
    },
  }
}
