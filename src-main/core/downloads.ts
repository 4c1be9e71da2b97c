import { existsSync, realpathSync, statSync } from 'node:fs'
import { sep } from 'node:path'
import { OrchardError } from '../../src-shared/errors'
import { seesContacts } from '../../src-shared/permissions'
import { ROLE_LABELS, type ActorRole } from '../../src-shared/roles'
import type { CoreContext } from './context'
import { refreshSession } from './lifecycle/profiles'

interface Maker {
  profileId: string | null
  role: ActorRole | null
}

/** Files the core wrote into exports/ in this run, and for whom (browser mode's downloads). */
const made = new WeakMap<CoreContext, Map<string, Maker>>()

function exportsRoot(ctx: CoreContext): string | null {
  try {
    return realpathSync(ctx.paths.exports) + sep
  } catch {
    return null
  }
}

/**
 * Remembers every file in exports/ a call's output names (an export, a report, a kit) as
 * made for the profile at the keyboard: browser mode hands it only to that profile.
 */
export function rememberMadeFiles(ctx: CoreContext, output: unknown): void {
  const root = exportsRoot(ctx)
  if (!root) return
  const logical = ctx.paths.exports + sep
  const maker: Maker = { profileId: ctx.session.profileId, role: ctx.session.role }
  let files = made.get(ctx)
  const visit = (value: unknown, depth: number): void => {
    if (depth > 6 || value === null || value === undefined) return
    if (typeof value === 'string') {
      if (!value.startsWith(root) && !value.startsWith(logical)) return
      try {
        if (!existsSync(value) || !statSync(value).isFile()) return
        if (!files) made.set(ctx, (files = new Map()))
        files.set(realpathSync(value), maker)
      } catch {
        // gone already: nothing to hand out
      }
      return
    }
    if (Array.isArray(value)) for (const item of value) visit(item, depth + 1)
    else if (typeof value === 'object') for (const item of Object.values(value)) visit(item, depth + 1)
  }
  visit(output, 0)
}

export function forgetMadeFile(ctx: CoreContext, realPath: string): void {
  made.get(ctx)?.delete(realPath)
}

/**
 * Whether the profile at the keyboard may download `realPath` (a file of exports/): the
 * one it was made for, when the core made it in this run; otherwise — made before a
 * restart, or put there by hand — only a role that sees contact details, since what is in
 * it cannot be told.
 */
export function authorizeDownload(ctx: CoreContext, realPath: string): void {
  refreshSession(ctx)
  const { profileId, role, name } = ctx.session
  const maker = made.get(ctx)?.get(realPath)
  const allowed = maker ? maker.profileId === profileId && maker.role === role : seesContacts(role)
  if (allowed) return
  const who = role ? `${ROLE_LABELS[role].zh}（${name ?? role}）` : '未登录'
  const whoEn = role ? `${ROLE_LABELS[role].en} (${name ?? role})` : 'nobody signed in'
  throw new OrchardError(
    'forbidden',
    maker
      ? `这个文件是为另一位使用者导出的，${who}不能下载 / this file was exported for someone else: ${whoEn} may not download it`
      : `${who}不能下载这个文件（可能含有完整的联系方式）/ ${whoEn} may not download this file (it may hold contact details in full)`,
    { method: 'download', role, file: realPath },
  )
}
