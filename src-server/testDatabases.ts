import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * The databases the server's tests run against: PGlite always, and the real
 * PostgreSQL at DATABASE_URL when it is set (CI sets it) — the same tests, the
 * same SQL. Each PostgreSQL test gets a database of its own, dropped afterwards,
 * so test files running side by side never see each other's rows.
 */
export interface TestBackend {
  name: 'pglite' | 'postgres'
  /** A fresh database: its URL (undefined for PGlite, which lives in the server's data folder) and how to drop it. */
  create(): Promise<{ databaseUrl?: string; drop(): Promise<void> }>
}

export function testBackends(env: NodeJS.ProcessEnv = process.env): TestBackend[] {
  const backends: TestBackend[] = [{ name: 'pglite', create: async () => ({ drop: async () => undefined }) }]
  const admin = env.DATABASE_URL
  if (admin) backends.push({ name: 'postgres', create: () => createDatabase(admin) })
  return backends
}

export async function createDatabase(adminUrl: string): Promise<{ databaseUrl: string; drop(): Promise<void> }> {
  const name = `orchard_test_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    databaseUrl: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}
