// What the ledger adds to a callback: the ledger work of a quote (create) and of a pay (claim, record the
// sale, mark told), run one purchase at a time on PGlite and on PostgreSQL. Prints figures; asserts nothing.
//   npx tsx bench/ledger-ops.ts        (DATABASE_URL: the PostgreSQL server, default postgres@127.0.0.1)
import pg from "pg";
import { migrate } from "../src/database/migrate.js";
import { openPglite } from "../src/database/pglite.js";
import { connectPostgres } from "../src/database/postgres.js";
import type { SqlDatabase } from "../src/database/sql.js";
import { createLogger } from "../src/log.js";
import { ledgerMigrations } from "../src/purchases/ledger-schema.js";
import { SqlLedger } from "../src/purchases/sql-ledger.js";

const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const purchases = Number(process.env.BENCH_PURCHASES ?? 2000);
const silent = createLogger("silent");

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function run(name: string, db: SqlDatabase): Promise<void> {
  await migrate(db, ledgerMigrations, silent);
  const ledger = new SqlLedger(db);
  const quote: number[] = [];
  const pay: number[] = [];
  for (let i = 0; i < purchases; i++) {
    const reference = `B${process.pid}${String(i).padStart(8, "0")}`;
    const phone = `267710${String(i % 5000).padStart(5, "0")}`;
    let t = performance.now();
    await ledger.create({
      reference,
      channel: "USSD",
      sessionId: `bench-${i}`,
      phone,
      recipient: phone,
      productType: "ELECTRICITY",
      productName: "Electricity",
      subscriberLabel: "Meter number",
      providerCode: "BPC",
      subscriberId: "04040404040",
      amount: "100.00",
      charge: "3.00",
      total: "103.00",
      currency: "BWP",
      sourceChannel: "USSD",
    });
    quote.push(performance.now() - t);
    t = performance.now();
    await ledger.claim(reference, `bench-${i}`);
    await ledger.transition(reference, ["CONFIRMING", "UNKNOWN"], "SUCCESSFUL", { token: "1234 5678" });
    await ledger.update(reference, { notified: true });
    pay.push(performance.now() - t);
  }
  const t = performance.now();
  await ledger.lastWithTokensFor("26771000042");
  const last = performance.now() - t;
  const fmt = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `p50 ${percentile(s, 50).toFixed(2)} ms  p99 ${percentile(s, 99).toFixed(2)} ms`;
  };
  console.log(
    `${name.padEnd(10)} quote (create): ${fmt(quote)} | pay (claim+sold+told): ${fmt(pay)} | last tokens ${last.toFixed(2)} ms`,
  );
}

const started = performance.now();
const embedded = await openPglite();
console.log(`PGlite start (in memory): ${(performance.now() - started).toFixed(0)} ms`);
await run("PGlite", embedded);
await embedded.close();

const name = `bench_ledger_${process.pid}`;
await admin(`CREATE DATABASE "${name}"`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const server = connectPostgres(url.toString(), silent);
try {
  await run("PostgreSQL", server);
} finally {
  await server.close();
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
