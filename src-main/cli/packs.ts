import type { CliKit } from './kit'

/** Commands for material packs (orchard packs …). */
export function registerPacksCommands(kit: CliKit): void {
  void kit
}
