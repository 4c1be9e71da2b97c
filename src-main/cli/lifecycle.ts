import type { CliKit } from './kit'

/** Commands for care, rules, audit and kits (orchard care|rules|audit|kits …). */
export function registerLifecycleCommands(kit: CliKit): void {
  void kit
}
