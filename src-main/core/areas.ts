import type { CoreArea } from './coreArea'
import { ledgerArea } from './ledger'
import { lifecycleArea } from './lifecycle'
import { materialsArea } from './materials'
import { memberPagesArea } from './memberPages'
import { syncArea } from './sync'

/** The areas beyond the records, in start order (stopped, and cleared, in reverse). */
export const AREAS: readonly CoreArea[] = [materialsArea, lifecycleArea, ledgerArea, syncArea, memberPagesArea]
