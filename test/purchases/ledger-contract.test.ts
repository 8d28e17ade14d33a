// One contract for every PurchaseLedger: the ledger on a real PostgreSQL server and on embedded PGlite
// must behave the same.
import assert from "node:assert/strict";
import { migrate } from "../../src/database/migrate.js";
import { openPglite } from "../../src/database/pglite.js";
import { connectPostgres } from "../../src/database/postgres.js";
import type { SqlDatabase } from "../../src/database/sql.js";
import { createLogger } from "../../src/log.js";
import type { NewPurchase, PurchaseLedger } from "../../src/purchases/ledger.js";
import { ledgerMigrations } from "../../src/purchases/ledger-schema.js";
import { SqlLedger } from "../../src/purchases/sql-ledger.js";
import { createTestDatabase } from "../helpers/postgres.js";
import { BUYER, newPurchase } from "../helpers/purchases.js";

interface Implementation {
  name: string;
  /** Builds a fresh, empty ledger on `now` and the function that tears it down. */
  make(now: () => Date): Promise<{ ledger: PurchaseLedger; dispose(): Promise<void> }>;
}

async function migrated(db: SqlDatabase, now: () => Date) {
  await migrate(db, ledgerMigrations, createLogger("silent"));
  return new SqlLedger(db, { now });
}

const implementations: Implementation[] = [
  {
    name: "PostgreSQL",
    async make(now) {
      const database = await createTestDatabase("ledger");
      const db = connectPostgres(database.url, createLogger("silent"));
      return {
        ledger: await migrated(db, now),
        async dispose() {
          await db.close();
          await database.drop();
        },
      };
    },
  },
  {
    name: "PGlite",
    async make(now) {
      const db = await openPglite();
      return { ledger: await migrated(db, now), dispose: () => db.close() };
    },
  },
];

const purchase = newPurchase;

const statuses = (record: { history: { status: string }[] } | null) => record?.history.map((h) => h.status);
const references = (records: { reference: string }[]) => records.map((r) => r.reference).sort();

for (const implementation of implementations) {
  describe(`PurchaseLedger contract: ${implementation.name}`, () => {
    let ledger: PurchaseLedger;
    let dispose: () => Promise<void>;
    // A clock that moves one second per reading: every time is distinct and "latest" is unambiguous.
    let clock = Date.parse("2025-03-01T08:00:00.000Z");
    const now = () => {
      clock += 1_000;
      return new Date(clock);
    };

    before(async () => {
      ({ ledger, dispose } = await implementation.make(now));
    });

    after(async () => {
      await dispose();
    });

    it("creates a QUOTED purchase and reads it back", async () => {
      const created = await ledger.create(purchase("CREATE0001"));
      assert.equal(created.status, "QUOTED");
      assert.deepEqual(created.history, [{ status: "QUOTED", at: created.createdAt }]);
      assert.equal(created.updatedAt, created.createdAt);
      assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual(await ledger.get("CREATE0001"), created);
      assert.equal(await ledger.get("NOSUCHREF0"), null);
    });

    it("keeps both vendor references of a quote (Powershop's referenceNumber and transactionId)", async () => {
      await ledger.create(
        purchase("VENDORREF1", { vendorQuoteReference: "123456", vendorTransactionId: "01cd7172-a0cc" }),
      );
      await ledger.claim("VENDORREF1", "session-VENDORREF1");
      const record = await ledger.get("VENDORREF1");
      assert.deepEqual(
        [record?.vendorQuoteReference, record?.vendorTransactionId],
        ["123456", "01cd7172-a0cc"],
      );
    });

    it("claims a purchase once, and never a second purchase of the same session", async () => {
      const session = `claims-${implementation.name}`;
      await ledger.create(purchase("CLAIM00001", { sessionId: session }));
      await ledger.create(purchase("CLAIM00002", { sessionId: session }));
      await ledger.create(purchase("CLAIM00003", { sessionId: `${session}-other` }));

      const wins = await Promise.all(Array.from({ length: 10 }, () => ledger.claim("CLAIM00001", session)));
      assert.equal(wins.filter((r) => r !== null).length, 1, "one claim wins");
      assert.equal((await ledger.get("CLAIM00001"))?.status, "CONFIRMING");

      // Same session, other quote (a rebuilt session quoting again): refused, stays QUOTED.
      assert.equal(await ledger.claim("CLAIM00002", session), null);
      assert.equal((await ledger.get("CLAIM00002"))?.status, "QUOTED");
      // Another session is not affected.
      assert.equal((await ledger.claim("CLAIM00003", `${session}-other`))?.status, "CONFIRMING");
    });

    it("lets only one of two purchases of one session be claimed when both are claimed at once", async () => {
      const session = `race-${implementation.name}`;
      for (let round = 0; round < 5; round++) {
        const [a, b] = [`SRACE${round}000A`, `SRACE${round}000B`];
        await ledger.create(purchase(a, { sessionId: `${session}-${round}` }));
        await ledger.create(purchase(b, { sessionId: `${session}-${round}` }));
        const wins = await Promise.all([
          ledger.claim(a, `${session}-${round}`),
          ledger.claim(b, `${session}-${round}`),
        ]);
        assert.equal(wins.filter((r) => r !== null).length, 1, `round ${round}: one claim wins`);
      }
    });

    it("refuses a duplicate reference and keeps the first record", async () => {
      const first = await ledger.create(purchase("DUPLICATE1"));
      await assert.rejects(
        ledger.create(purchase("DUPLICATE1", { amount: "999.00" })),
        /duplicate.*DUPLICATE1/,
      );
      assert.deepEqual(await ledger.get("DUPLICATE1"), first);
    });

    it("transitions only from the listed statuses, appending history in order and applying the patch", async () => {
      await ledger.create(purchase("TRANSIT001"));
      assert.equal(await ledger.transition("TRANSIT001", ["CONFIRMING", "UNKNOWN"], "SUCCESSFUL"), null);
      assert.equal((await ledger.get("TRANSIT001"))?.status, "QUOTED");
      assert.equal(await ledger.transition("TRANSIT001", [], "CONFIRMING"), null);

      const confirming = await ledger.transition("TRANSIT001", ["QUOTED"], "CONFIRMING");
      assert.equal(confirming?.status, "CONFIRMING");
      await ledger.transition("TRANSIT001", ["CONFIRMING"], "UNKNOWN", {
        failureReason: "confirm timed out",
      });
      const done = await ledger.transition("TRANSIT001", ["CONFIRMING", "UNKNOWN"], "SUCCESSFUL", {
        vendorReference: "SP-778",
        token: "1234 5678 9012 3456 7890",
        units: "8.1 kWh",
      });

      assert.ok(done);
      assert.deepEqual(statuses(done), ["QUOTED", "CONFIRMING", "UNKNOWN", "SUCCESSFUL"]);
      const times = done.history.map((h) => h.at);
      assert.deepEqual([...times].sort(), times, "history out of order");
      assert.equal(new Set(times).size, times.length);
      assert.equal(done.updatedAt, times.at(-1));
      assert.equal(done.createdAt, times[0]);
      assert.equal(done.vendorReference, "SP-778");
      assert.equal(done.token, "1234 5678 9012 3456 7890");
      assert.equal(done.units, "8.1 kWh");
      assert.equal(done.failureReason, "confirm timed out", "an earlier patch was lost");
      assert.equal(done.amount, "100.00");
      assert.deepEqual(await ledger.get("TRANSIT001"), done);
      assert.equal(await ledger.transition("NOSUCHREF0", ["QUOTED"], "CONFIRMING"), null);
    });

    it("lets exactly one of 20 concurrent claims (QUOTED → CONFIRMING) win", async () => {
      await ledger.create(purchase("RACE000001"));
      const claims = await Promise.all(
        Array.from({ length: 20 }, () => ledger.transition("RACE000001", ["QUOTED"], "CONFIRMING")),
      );
      assert.equal(claims.filter((claim) => claim !== null).length, 1);
      assert.deepEqual(statuses(await ledger.get("RACE000001")), ["QUOTED", "CONFIRMING"]);
    });

    it("lists the purchases of one session, oldest first", async () => {
      await ledger.create(purchase("SESSION001", { sessionId: "s-1" }));
      await ledger.create(purchase("SESSION002", { sessionId: "s-2" }));
      await ledger.create(purchase("SESSION003", { sessionId: "s-1" }));
      await ledger.transition("SESSION003", ["QUOTED"], "CONFIRMING");
      const inSession = await ledger.forSession("s-1");
      assert.deepEqual(
        inSession.map((r) => r.reference),
        ["SESSION001", "SESSION003"],
      );
      assert.equal(inSession[1]?.status, "CONFIRMING");
      assert.deepEqual(await ledger.forSession("s-none"), []);
    });

    it("finds the latest successful purchase with tokens, by buyer or by recipient", async () => {
      const phone = "26773000001";
      const other = "26773000002";
      const succeed = async (reference: string, overrides: Partial<NewPurchase>, token?: string) => {
        await ledger.create(purchase(reference, overrides));
        await ledger.transition(reference, ["QUOTED"], "CONFIRMING");
        return ledger.transition(reference, ["CONFIRMING"], "SUCCESSFUL", token ? { token } : {});
      };
      assert.equal(await ledger.lastWithTokensFor(phone), null);

      await succeed("TOKENS0001", { phone, recipient: phone }, "1111 2222");
      assert.equal((await ledger.lastWithTokensFor(phone))?.reference, "TOKENS0001");

      // Later, but airtime: no token.
      await succeed("TOKENS0002", { phone, recipient: phone, productType: "AIRTIME" });
      // Later, with a token, but FAILED.
      await ledger.create(purchase("TOKENS0003", { phone, recipient: phone }));
      await ledger.transition("TOKENS0003", ["QUOTED"], "CONFIRMING");
      await ledger.transition("TOKENS0003", ["CONFIRMING"], "FAILED", {
        token: "3333 4444",
        failureReason: "x",
      });
      assert.equal((await ledger.lastWithTokensFor(phone))?.reference, "TOKENS0001");

      // Bought by someone else for this phone: found for both.
      await succeed("TOKENS0004", { phone: other, recipient: phone }, "5555 6666");
      assert.equal((await ledger.lastWithTokensFor(phone))?.reference, "TOKENS0004");
      assert.equal((await ledger.lastWithTokensFor(other))?.reference, "TOKENS0004");
      assert.equal((await ledger.lastWithTokensFor(phone))?.token, "5555 6666");
      // Still quoted or confirming: not yet.
      await ledger.create(purchase("TOKENS0005", { phone, recipient: phone }));
      await ledger.transition("TOKENS0005", ["QUOTED"], "CONFIRMING");
      assert.equal((await ledger.lastWithTokensFor(phone))?.reference, "TOKENS0004");
      assert.equal(await ledger.lastWithTokensFor("26779999999"), null);

      // "Latest" is the latest bought (created), even when an older purchase resolved later.
      await ledger.create(purchase("TOKENS0006", { phone, recipient: phone }));
      await succeed("TOKENS0007", { phone, recipient: phone }, "7777 8888");
      await ledger.transition("TOKENS0006", ["QUOTED"], "SUCCESSFUL", { token: "9999 0000" });
      assert.equal((await ledger.lastWithTokensFor(phone))?.reference, "TOKENS0007");
    });

    it("keeps the unresolved list in step with the status and with telling the customer", async () => {
      const before = references(await ledger.unresolved());
      const unresolvedNow = async () =>
        references(await ledger.unresolved()).filter((reference) => !before.includes(reference));

      await ledger.create(purchase("UNRESOLVE1"));
      await ledger.create(purchase("UNRESOLVE2"));
      assert.deepEqual(await unresolvedNow(), []);
      await ledger.transition("UNRESOLVE1", ["QUOTED"], "CONFIRMING");
      await ledger.transition("UNRESOLVE2", ["QUOTED"], "CONFIRMING");
      assert.deepEqual(await unresolvedNow(), ["UNRESOLVE1", "UNRESOLVE2"]);
      await ledger.transition("UNRESOLVE1", ["CONFIRMING"], "UNKNOWN");
      await ledger.transition("UNRESOLVE2", ["CONFIRMING"], "FAILED", {
        failureReason: "insufficient funds",
      });
      // A finished purchase needs attention until the customer has been told.
      assert.deepEqual(await unresolvedNow(), ["UNRESOLVE1", "UNRESOLVE2"]);
      await ledger.update("UNRESOLVE2", { notified: true });
      assert.deepEqual(await unresolvedNow(), ["UNRESOLVE1"]);
      assert.equal((await ledger.unresolved()).find((r) => r.reference === "UNRESOLVE1")?.status, "UNKNOWN");
      await ledger.transition("UNRESOLVE1", ["UNKNOWN"], "SUCCESSFUL", { token: "7777" });
      assert.deepEqual(await unresolvedNow(), ["UNRESOLVE1"]);
      await ledger.update("UNRESOLVE1", { notified: true });
      assert.deepEqual(await unresolvedNow(), []);
    });

    it("lists purchases past QUOTED by creation time, newest first, and finds them for the operator", async () => {
      const phone = "26771999001";
      const a = await ledger.create(purchase("OPLIST0001", { phone, recipient: phone }));
      await ledger.create(purchase("OPLIST0002", { phone, recipient: phone }));
      const c = await ledger.create(
        purchase("OPLIST0003", { phone: "26771999002", recipient: phone, subscriberId: "11112222333" }),
      );
      await ledger.claim("OPLIST0001", "session-OPLIST0001");
      await ledger.claim("OPLIST0003", "session-OPLIST0003");
      await ledger.transition("OPLIST0003", ["CONFIRMING"], "SUCCESSFUL", { token: "1111 2222" });

      const from = new Date(a.createdAt);
      const afterC = new Date(Date.parse(c.createdAt) + 1);
      const listed = (records: { reference: string }[]) => records.map((r) => r.reference);
      // OPLIST0002 is only quoted: no buy was sent, it is not a sale.
      assert.deepEqual(listed(await ledger.createdBetween(from, afterC, 10)), ["OPLIST0003", "OPLIST0001"]);
      assert.deepEqual(listed(await ledger.createdBetween(from, afterC, 1)), ["OPLIST0003"]);
      assert.deepEqual(listed(await ledger.createdBetween(from, new Date(c.createdAt), 10)), ["OPLIST0001"]);
      assert.equal((await ledger.createdBetween(from, afterC, 10))[0]?.status, "SUCCESSFUL");

      assert.deepEqual(listed(await ledger.search({ phone }, 10)), ["OPLIST0003", "OPLIST0001"]);
      assert.deepEqual(listed(await ledger.search({ subscriberId: "11112222333" }, 10)), ["OPLIST0003"]);
      assert.deepEqual(listed(await ledger.search({ reference: "OPLIST0002" }, 10)), ["OPLIST0002"]);
      assert.deepEqual(await ledger.search({ reference: "NOSUCHREF0" }, 10), []);
      assert.deepEqual(await ledger.search({ phone: "26771999009" }, 10), []);
    });

    it("updates fields without changing the status or the history", async () => {
      await ledger.create(purchase("UPDATE0001", { phone: "26773000010", recipient: "26773000010" }));
      await ledger.transition("UPDATE0001", ["QUOTED"], "CONFIRMING");
      const claimed = await ledger.transition("UPDATE0001", ["CONFIRMING"], "UNKNOWN");
      const flagged = await ledger.update("UPDATE0001", { needsOperator: true });
      assert.ok(claimed && flagged);
      assert.equal(flagged.status, "UNKNOWN");
      assert.equal(flagged.needsOperator, true);
      assert.deepEqual(flagged.history, claimed.history);
      assert.ok(flagged.updatedAt > claimed.updatedAt);
      assert.deepEqual(await ledger.get("UPDATE0001"), flagged);
      assert.equal(await ledger.update("NOSUCHREF0", { needsOperator: true }), null);

      // A token added to a successful purchase by update makes it the phone's last tokens.
      await ledger.transition("UPDATE0001", ["UNKNOWN"], "SUCCESSFUL");
      assert.equal(await ledger.lastWithTokensFor("26773000010"), null);
      await ledger.update("UPDATE0001", { token: "8888 9999" });
      assert.equal((await ledger.lastWithTokensFor("26773000010"))?.reference, "UPDATE0001");
    });
  });
}
