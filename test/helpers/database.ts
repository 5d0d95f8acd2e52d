/**
 * Which database a test server runs on. By default an in-memory SQLite database; with
 * SCRUMD_TEST_DIALECT=postgres (set by `npm test` for its second pass when SCRUMD_TEST_POSTGRES names
 * a server) a fresh PostgreSQL database per server, dropped when the server closes.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function testingPostgres(): boolean {
  return process.env.SCRUMD_TEST_DIALECT === 'postgres' && !!process.env.SCRUMD_TEST_POSTGRES;
}

export interface TestDatabase {
  location: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: process.env.SCRUMD_TEST_POSTGRES });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function testDatabase(): Promise<TestDatabase> {
  if (!testingPostgres()) return { location: ':memory:', drop: async () => {} };
  const name = `scrumd_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(process.env.SCRUMD_TEST_POSTGRES!);
  url.pathname = `/${name}`;
  return {
    location: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
