// Real PostgreSQL for tests: the machine's server (TEST_DATABASE_URL, default postgres@127.0.0.1:5432,
// trust auth), with a database of its own per test rig or suite so parallel runs never meet.
// Tests that need PostgreSQL never skip: when it is not there they fail and say so.
import pg from "pg";
import { migrate } from "../../src/database/migrate.js";
import { connectPostgres } from "../../src/database/postgres.js";
import { createLogger } from "../../src/log.js";
import { ledgerMigrations } from "../../src/purchases/ledger-schema.js";
import { SqlLedger } from "../../src/purchases/sql-ledger.js";

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

let counter = 0;

export interface TestDatabase {
  /** DATABASE_URL of the new, empty database. */
  url: string;
  name: string;
  /** Drops the database, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `These tests need a real PostgreSQL at ${TEST_DATABASE_URL} (set TEST_DATABASE_URL to use another): ${(error as Error).message}`,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new empty database, uniquely named for this process, e.g. `test_ledger_4242_lq3x_1`. */
export async function createTestDatabase(label = "t"): Promise<TestDatabase> {
  const name = `test_${label.replace(/\W/g, "_")}_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

/** A migrated SqlLedger on a fresh database of its own, as a dead instance would have left it. */
export async function openTestLedger(
  now?: () => Date,
): Promise<{ ledger: SqlLedger; url: string; dispose(): Promise<void> }> {
  const database = await createTestDatabase("ledger");
  const db = connectPostgres(database.url, createLogger("silent"));
  await migrate(db, ledgerMigrations, createLogger("silent"));
  return {
    ledger: new SqlLedger(db, now ? { now } : {}),
    url: database.url,
    async dispose() {
      await db.close();
      await database.drop();
    },
  };
}
