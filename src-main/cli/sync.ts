import type { CliKit } from './kit'

/** Commands for the sync server and the workstation's sync (orchard server|sync …). */
export function registerSyncCommands(kit: CliKit): void {
  void kit
}
