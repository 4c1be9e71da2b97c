import { createHash } from 'node:crypto'

/**
 * A proposal's id: the rule, the member and the period its events fall in. Two workstations
 * evaluating the same rule for the same member and period propose the same record, and the
 * team holds it once. Here, beside the database, because migration 0031 gives proposals made
 * before it the same id (the SQL function orchard_proposal_id); never change it.
 */
export const proposalId = (ruleId: string, memberId: string, windowFrom: string, windowTo: string) =>
  `ra-${createHash('sha256').update(`${ruleId}\n${memberId}\n${windowFrom}\n${windowTo}`).digest('base64url').slice(0, 32)}`
