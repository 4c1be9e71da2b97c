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

export const ById = z.object({ id: S.Id })
