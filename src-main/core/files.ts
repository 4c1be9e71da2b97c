import { lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import type { z } from 'zod'
import { OrchardError } from '../../src-shared/errors'
import { fileInputsOf, type FileInput } from '../../src-shared/filePaths'
import type { CoreContext } from './context'
import { KEYCHAIN_KEY_FILE, PLAIN_KEY_FILE } from './ledger/keystore'

const WHY = {
  outside: { zh: '只能使用数据文件夹中 staging/（上传的文件）和 exports/（导出的文件）里的文件', en: 'only files in the data folder’s staging/ (uploads) and exports/ (exports) can be used' },
  protected: { zh: '这是工作室的数据库或收款密钥，任何操作都不能读取或覆盖它', en: 'this is the studio’s database or payout key, which no operation may read or overwrite' },
  link: { zh: '路径中的符号链接指向不存在的位置', en: 'a symbolic link on the path leads nowhere' },
  nul: { zh: '路径中含有空字符', en: 'the path contains a NUL character' },
} as const

/** The files no method may read or write, whoever calls: the payout key (plain or keychain-wrapped) and the studio's database. */
function protectedFiles(ctx: CoreContext): string[] {
  const db = ctx.paths.database
  return [join(ctx.paths.dataDir, PLAIN_KEY_FILE), join(ctx.paths.dataDir, KEYCHAIN_KEY_FILE), db, `${db}-wal`, `${db}-shm`, `${db}-journal`]
}

/**
 * `path` with every symbolic link on it followed, including the last one; the part that
 * does not exist yet (a file about to be written) is kept as given. A link that leads
 * nowhere is refused: writing through it would create its target, wherever that is.
 */
function realOf(path: string): string | null {
  const rest: string[] = []
  let at = resolve(path)
  for (;;) {
    let exists = true
    try {
      lstatSync(at)
    } catch {
      exists = false
    }
    if (exists) {
      try {
        return join(realpathSync(at), ...rest)
      } catch {
        return null
      }
    }
    const parent = dirname(at)
    if (parent === at) return join(at, ...rest)
    rest.unshift(basename(at))
    at = parent
  }
}

/** Same file: the same path once links are followed, or the same inode (a hard link). */
function sameFile(a: string, b: string): boolean {
  if (a === b) return true
  try {
    const sa = statSync(a)
    const sb = statSync(b)
    return sa.ino === sb.ino && sa.dev === sb.dev
  } catch {
    return false
  }
}

/**
 * Checks every file a call names (the contract marks them: ReadPath, WritePath,
 * WriteFolder) and returns the input the handler gets. On every host the payout key and
 * the database are off limits. In browser mode — a page over HTTP, not someone at the
 * machine choosing files through a dialog or the shell — reads are confined to staging/
 * and writes to exports/: resolved against that folder, links followed, then checked;
 * the handler gets the real path.
 */
export function guardFileInputs<T>(ctx: CoreContext, method: string, schema: z.ZodType, input: T): T {
  const files = fileInputsOf(schema, input)
  if (files.length === 0) return input
  const confine = ctx.host === 'browser'
  const shielded = protectedFiles(ctx)
  for (const file of files) {
    const refuse = (why: keyof typeof WHY, extra?: Record<string, unknown>) =>
      new OrchardError('forbidden_path', `不能使用这个路径：${WHY[why].zh} / this path cannot be used: ${WHY[why].en}`, {
        method,
        field: file.at.join('.'),
        value: file.value,
        why,
        ...extra,
      })
    if (file.value.includes('\0')) throw refuse('nul')
    let target: string | null
    if (confine) {
      const root = file.use === 'read' ? ctx.paths.staging : ctx.paths.exports
      mkdirSync(root, { recursive: true })
      const realRoot = realpathSync(root)
      target = realOf(resolve(realRoot, file.value))
      if (target === null) throw refuse('link')
      if (!target.startsWith(realRoot + sep)) throw refuse('outside', { allowed: root })
    } else {
      target = realOf(file.value)
      if (target === null) throw refuse('link')
    }
    if (shielded.some((p) => sameFile(target, p) || sameFile(target, realOf(p) ?? p))) throw refuse('protected')
    if (confine) setAt(input, file, target)
  }
  return input
}

function setAt(input: unknown, file: FileInput, value: string): void {
  let holder = input as Record<string | number, unknown>
  for (const key of file.at.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>
  holder[file.at[file.at.length - 1]] = value
}
