import type { CliKit } from './kit'

/** Commands for the commission ledger (orchard ledger …). */
export function registerLedgerCommands(kit: CliKit): void {
  void kit
}
