import { syncContract } from '../../../src-shared/contracts/sync'
import type { CoreArea } from '../area'
import type { ServiceHandlers } from '../context'

type Services = keyof typeof syncContract

/** The sync services, one handler per contract method. */
export const syncHandlers: { [S in Services]: ServiceHandlers<S> } = {}

export const syncArea: CoreArea = {}
