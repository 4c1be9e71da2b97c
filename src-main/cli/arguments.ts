import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { InvalidArgumentError, type Command } from 'commander'
import { OrchardError } from '../../src-shared/errors'
import { IMPORT_ENTITIES, type ImportEntity } from '../../src-shared/vocabulary'
import type { OrchardCore } from '../core/api'

export interface GlobalOptions {
  dataDir: string
  json: boolean
}

/** A usage problem (exit 2), as opposed to rejected rows (exit 1). */
export class UsageError extends OrchardError {
  constructor(message: string, details?: unknown) {
    super('usage', message, details)
  }
}

export const ENTITIES = ['customers', 'products', 'orders'] as const
export type Entity = (typeof ENTITIES)[number]
export function entityOf(value: string): Entity {
  if (!(ENTITIES as readonly string[]).includes(value)) {
    throw new UsageError(`未知的数据类型 ${value}（可选 customers、products、orders）/ unknown entity ${value} (customers, products, orders)`, {
      field: 'entity',
      value,
    })
  }
  return value as Entity
}

/** What `orchard import` reads: the exported kinds, and members (their team tree). */
export function importEntityOf(value: string): ImportEntity {
  if (!(IMPORT_ENTITIES as readonly string[]).includes(value)) {
    throw new UsageError(`未知的数据类型 ${value}（可选 ${IMPORT_ENTITIES.join('、')}）/ unknown entity ${value} (${IMPORT_ENTITIES.join(', ')})`, {
      field: 'entity',
      value,
    })
  }
  return value as ImportEntity
}

export function integerOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`应为 ${min}–${max} 之间的整数 / must be an integer from ${min} to ${max}`)
    }
    return n
  }
}

/** The file to import: it must exist, be a file and be readable — said up front, not as a parser error. */
export function readableFile(file: string): string {
  const path = resolve(file)
  if (!existsSync(path)) throw new UsageError(`文件不存在 / file not found: ${path}`, { file: path })
  if (!statSync(path).isFile()) throw new UsageError(`不是文件 / not a file: ${path}`, { file: path })
  try {
    accessSync(path, constants.R_OK)
  } catch {
    throw new UsageError(`文件无法读取 / file not readable: ${path}`, { file: path })
  }
  return path
}

/**
 * What a command module gets from the CLI to add its commands: the program's
 * `command()` (subcommands inherit its error handling), the global options, a
 * core opened on the chosen data folder (closed by the CLI when the command
 * ends), stdout, and the exit status.
 */
export interface CliContext {
  command(name: string): Command
  globals(cmd: Command): GlobalOptions
  /** Opens the studio in the data folder; a new folder starts empty unless told otherwise. */
  open(g: GlobalOptions, firstStart?: 'demo' | 'empty'): OrchardCore
  out(text: string): void
  /** Sets the exit status (1: the command ran but found problems, e.g. rejected rows or a broken chain). */
  setExitCode(code: number): void
  version: string
}

/** A comma-separated option value as a list (`--class A,B`). */
export const listOption = (value: string | undefined) => (value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean))

/** A repeatable option's values (`--tag 宝妈 --tag 老客户`). */
export const collect = (value: string, previous: string[]) => [...previous, value]
