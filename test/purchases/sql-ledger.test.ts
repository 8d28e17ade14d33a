// What only the SQL ledger has to get right: migrations that run once however many instances start
// together, claims raced by instances on their own connection pools, the history table, and startup
// refusing a ledger it cannot reach.
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config.js";
import { migrate } from "../../src/database/migrate.js";
import { connectPostgres } from "../../src/database/postgres.js";
import type { SqlDatabase } from "../../src/database/sql.js";
import { createLogger } from "../../src/log.js";
import { buildService } from "../../src/main.js";
import type { NewPurchase } from "../../src/purchases/ledger.js";
import { ledgerMigrations } from "../../src/purchases/ledger-schema.js";
import { SqlLedger } from "../../src/purchases/sql-ledger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.js";
import { newPurchase } from "../helpers/purchases.js";

const silent = createLogger("silent");

/** The shared test purchase, its token sent to another phone. */
const purchase = (reference: string, overrides: Partial<NewPurchase> = {}) =>
  newPurchase(reference, { recipient: "26772345678", customerName: undefined, ...overrides });

describe("SqlLedger on real PostgreSQL", () => {
  let database: TestDatabase;
  const pools: SqlDatabase[] = [];
  const connect = () => {
    const db = connectPostgres(database.url, silent);
    pools.push(db);
    return db;
  };

  beforeEach(async () => {
    database = await createTestDatabase("sql_ledger");
  });
  afterEach(async () => {
    for (const pool of pools.splice(0)) await pool.close();
    await database.drop();
  });

  it("applies each migration once when several instances start at the same moment", async () => {
    const all = ledgerMigrations.map((m) => m.id);
    const applied = await Promise.all(
      Array.from({ length: 4 }, () => migrate(connect(), ledgerMigrations, silent)),
    );
    assert.deepEqual(applied.flat().sort(), all, "each migration ran exactly once");
    assert.deepEqual(await migrate(connect(), ledgerMigrations, silent), [], "nothing left to apply");
    const rows = await connect().query<{ id: number }>("SELECT id FROM schema_migrations ORDER BY id");
    assert.deepEqual(
      rows.map((r) => r.id),
      all,
    );
  });

  it("brings a database made by an earlier version up to date, keeping its purchases", async () => {
    const db = connect();
    const [first] = ledgerMigrations;
    assert.ok(first);
    await migrate(db, [first], silent);
    await db.query(
      `INSERT INTO purchases (reference, channel, phone, recipient, product_type, product_name,
         subscriber_label, provider_code, subscriber_id, amount, charge, total, currency, source_channel,
         status, created_at, updated_at)
       VALUES ('OLDVERSION', 'USSD', '26771234567', '26771234567', 'ELECTRICITY', 'Electricity', 'Meter',
         'BPC', '04040404040', 100.00, 3.00, 103.00, 'BWP', 'USSD', 'SUCCESSFUL', now(), now())`,
    );
    assert.deepEqual(
      await migrate(db, ledgerMigrations, silent),
      ledgerMigrations.slice(1).map((m) => m.id),
    );
    const ledger = new SqlLedger(db);
    await ledger.update("OLDVERSION", { customerNotReached: true });
    const record = await ledger.get("OLDVERSION");
    assert.equal(record?.total, "103.00");
    assert.equal(record?.customerNotReached, true);
  });

  it("lets one instance win a claim raced by three instances on their own connections", async () => {
    await migrate(connect(), ledgerMigrations, silent);
    const instances = [connect(), connect(), connect()].map((db) => new SqlLedger(db));
    for (let i = 0; i < 10; i++) {
      const reference = `MULTI0000${i}`;
      const session = `multi-${i}`;
      await instances[0]?.create(purchase(reference, { sessionId: session }));
      await instances[1]?.create(purchase(`${reference}B`, { sessionId: session }));
      const claims = await Promise.all(
        instances.flatMap((ledger) => [
          ledger.claim(reference, session),
          ledger.claim(`${reference}B`, session),
        ]),
      );
      assert.equal(claims.filter((c) => c !== null).length, 1, `purchase ${i}: exactly one claim`);
    }
  });

  it("keeps working on an instance whose tables a newer instance's migration changed under it", async () => {
    const db = connect();
    await migrate(db, ledgerMigrations, silent);
    const running = new SqlLedger(db);
    // The running instance has prepared its statements on its connections (rows of `purchases`)...
    for (let i = 0; i < 12; i++) await running.create(purchase(`ROLLING0${String(i).padStart(2, "0")}`));
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => running.get(`ROLLING0${String(i).padStart(2, "0")}`)),
    );
    // ...when a newer version's migration adds a column to it, as a rolling deploy would.
    const newer = connect();
    await newer.exec("ALTER TABLE purchases ADD COLUMN added_by_a_newer_version text");
    const claimed = await running.claim("ROLLING000");
    assert.equal(claimed?.status, "CONFIRMING");
    const sold = await running.transition("ROLLING000", ["CONFIRMING"], "SUCCESSFUL", { token: "1234" });
    assert.equal(sold?.token, "1234");
    for (let i = 0; i < 12; i++)
      assert.equal(
        (await running.get(`ROLLING0${String(i).padStart(2, "0")}`))?.reference,
        `ROLLING0${String(i).padStart(2, "0")}`,
      );
    await running.create(purchase("ROLLING100"));
    assert.equal((await running.get("ROLLING100"))?.status, "QUOTED");
  });

  it("appends every status change to purchase_history, which an operator can query", async () => {
    const db = connect();
    await migrate(db, ledgerMigrations, silent);
    const ledger = new SqlLedger(db);
    await ledger.create(purchase("HISTORY001"));
    await ledger.claim("HISTORY001", "session-HISTORY001");
    await ledger.transition("HISTORY001", ["CONFIRMING"], "UNKNOWN");
    await ledger.update("HISTORY001", { needsOperator: true });
    await ledger.transition("HISTORY001", ["UNKNOWN"], "SUCCESSFUL", { token: "1234" });
    const rows = await db.query<{ status: string }>(
      "SELECT status FROM purchase_history WHERE reference = $1 ORDER BY id",
      ["HISTORY001"],
    );
    assert.deepEqual(
      rows.map((r) => r.status),
      ["QUOTED", "CONFIRMING", "UNKNOWN", "SUCCESSFUL"],
    );
    const [sum] = await db.query<{ total: string }>(
      "SELECT sum(total)::text AS total FROM purchases WHERE status = 'SUCCESSFUL'",
    );
    assert.equal(sum?.total, "103.00", "amounts are numbers SQL can add");
  });

  it("refuses to start when DATABASE_URL cannot be reached, naming it", async () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/nothing",
      LOG_LEVEL: "silent",
    });
    await assert.rejects(buildService(config, silent), /DATABASE_URL: could not open or migrate/);
  });
});
