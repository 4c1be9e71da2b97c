import { ledgerContract } from '../../../src-shared/contracts/ledger'
import type { CoreArea } from '../area'
import type { ServiceHandlers } from '../context'

type Services = keyof typeof ledgerContract

/** The ledger services, one handler per contract method. */
export const ledgerHandlers: { [S in Services]: ServiceHandlers<S> } = {}

export const ledgerArea: CoreArea = {}
