import { uuidv7 } from 'uuidv7'

/** Time-ordered ids generated on the workstation, so offline records never collide when synced. */
export const newId = (): string => uuidv7()
