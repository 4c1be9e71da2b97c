import { lifecycleContract } from '../../../src-shared/contracts/lifecycle'
import type { CoreArea } from '../area'
import type { ServiceHandlers } from '../context'

type Services = keyof typeof lifecycleContract

/** The lifecycle services, one handler per contract method. */
export const lifecycleHandlers: { [S in Services]: ServiceHandlers<S> } = {}

export const lifecycleArea: CoreArea = {}
