import { materialsContract } from '../../../src-shared/contracts/materials'
import type { CoreArea } from '../area'
import type { ServiceHandlers } from '../context'

type Services = keyof typeof materialsContract

/** The materials services, one handler per contract method. */
export const materialsHandlers: { [S in Services]: ServiceHandlers<S> } = {}

export const materialsArea: CoreArea = {}
