import { HttpError } from './errors'
import type { SqlClient } from './storage'

/**
 * Holds the team's row for the rest of the transaction. Every write that takes a
 * sequence number (entries, status changes) does this first, so within a team the
 * numbers are handed out in commit order and a pull can never step past a
 * transaction that commits later with a smaller number.
 */
export async function lockTeam(tx: SqlClient, team: string): Promise<void> {
  const rows = await tx.query('SELECT 1 FROM teams WHERE name = $1 FOR UPDATE', [team])
  if (!rows.length) throw new HttpError(404, 'team_unknown', `没有团队 ${team} / no team ${team}`, { team })
}
