import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { OrchardError } from '../../../src-shared/errors'
import { writeOutput } from '../jobs/outputs'

/**
 * Where the key that encrypts members' payout accounts lives — never in the
 * database. The desktop shell supplies one backed by the OS keychain (Electron
 * safeStorage); plain Node (CLI, browser mode, tests) uses a key file readable
 * by its owner only.
 */
export interface KeyStore {
  /** The 32-byte data key, created on first use. */
  dataKey(): Buffer
}

export const PLAIN_KEY_FILE = 'ledger.key'
/** The same key wrapped by the desktop app's OS keychain. */
export const KEYCHAIN_KEY_FILE = 'ledger.key.keychain'

/** A key file with 0600 permissions in the data folder. */
export function fileKeyStore(dataDir: string): KeyStore {
  const path = join(dataDir, PLAIN_KEY_FILE)
  let key: Buffer | null = null
  return {
    dataKey() {
      if (key) return key
      if (!existsSync(path) && existsSync(join(dataDir, KEYCHAIN_KEY_FILE))) {
        throw new OrchardError(
          'key_in_keychain',
          '收款账户的密钥保存在桌面版的系统钥匙串中，请在桌面版中管理收款账户 / the payout key is kept in the desktop app’s keychain: manage payout accounts there',
          { file: join(dataDir, KEYCHAIN_KEY_FILE) },
        )
      }
      if (!existsSync(path)) writeOutput(path, randomBytes(32).toString('base64'), { mode: 0o600 })
      if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
        // Someone widened it (a copy, an archive tool): narrow it again before use.
        chmodSync(path, 0o600)
      }
      const read = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')
      if (read.length !== 32) {
        throw new OrchardError('key_invalid', `收款账户密钥文件已损坏 / the payout key file is damaged: ${path}`, { file: path, why: 'expected 32 bytes' })
      }
      key = read
      return key
    },
  }
}

/** AES-256-GCM: iv (12 bytes) | auth tag (16) | ciphertext. */
export function seal(key: Buffer, plain: string): Buffer {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), body])
}

export function open(key: Buffer, sealed: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12))
  decipher.setAuthTag(sealed.subarray(12, 28))
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8')
}
