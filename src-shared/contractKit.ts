import { z } from 'zod'
import * as S from './schemas'

/** One method of the contract: its input and output schemas, and whether it writes. */
export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I
  output: O
  /** Writes run one at a time, in arrival order. */
  write: boolean
}
export const query = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): MethodDef<I, O> => ({ input, output, write: false })
export const command = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): MethodDef<I, O> => ({ input, output, write: true })
/**
 * A command answered at once, outside the write queue: it only flags work under way (a
 * cancel), and waiting behind that very work would make it useless.
 */
export const immediate = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): MethodDef<I, O> => ({ input, output, write: false })

export const ById = z.object({ id: S.Id })
