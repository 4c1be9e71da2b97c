import { z } from 'zod'

/**
 * Inputs that name a file or folder on the machine the core runs on. Declared where the
 * field is declared, so the core can find every one of them in a method's input and decide
 * whether this caller may use it: the desktop app and the CLI pick files freely (a native
 * dialog, the shell), a browser over HTTP only inside the data folder's staging/ (what it
 * uploaded) and exports/ (what it will download).
 */
export type FileUse = 'read' | 'write' | 'folder'
export const fileInputs = z.registry<{ file: FileUse }>()

/** A file the method reads (an import, a photo). */
export const ReadPath = z.string().min(1).register(fileInputs, { file: 'read' })
/** A file the method writes (an export, a report). */
export const WritePath = z.string().min(1).register(fileInputs, { file: 'write' })
/** A folder the method writes into (kits, packs). */
export const WriteFolder = z.string().min(1).register(fileInputs, { file: 'folder' })

export interface FileInput {
  /** Where in the input: ['path'], ['outDir']. */
  at: (string | number)[]
  use: FileUse
  value: string
}

/**
 * Every file input in `value` (already parsed by `schema`), by walking the schema beside
 * the value: objects, arrays, records, optional/nullable/default wrappers, unions (the
 * option the value matches) and lazy schemas.
 */
export function fileInputsOf(schema: z.ZodType, value: unknown, at: (string | number)[] = []): FileInput[] {
  const meta = fileInputs.get(schema)
  if (meta) return typeof value === 'string' ? [{ at, use: meta.file, value }] : []
  if (value === undefined || value === null) return []
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def
  switch (def.type) {
    case 'object': {
      if (typeof value !== 'object') return []
      const shape = def.shape as Record<string, z.ZodType>
      return Object.keys(shape).flatMap((key) => (Object.hasOwn(value, key) ? fileInputsOf(shape[key], (value as Record<string, unknown>)[key], [...at, key]) : []))
    }
    case 'array':
      return Array.isArray(value) ? value.flatMap((item, i) => fileInputsOf(def.element as z.ZodType, item, [...at, i])) : []
    case 'record':
      return typeof value === 'object' ? Object.entries(value).flatMap(([key, item]) => fileInputsOf(def.valueType as z.ZodType, item, [...at, key])) : []
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return fileInputsOf(def.innerType as z.ZodType, value, at)
    case 'pipe':
      return fileInputsOf(def.in as z.ZodType, value, at)
    case 'lazy':
      return fileInputsOf((def.getter as () => z.ZodType)(), value, at)
    case 'union': {
      const option = (def.options as z.ZodType[]).find((o) => o.safeParse(value).success)
      return option ? fileInputsOf(option, value, at) : []
    }
    case 'intersection':
      return [...fileInputsOf(def.left as z.ZodType, value, at), ...fileInputsOf(def.right as z.ZodType, value, at)]
    default:
      return []
  }
}
