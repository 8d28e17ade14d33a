// The SQL port on PGlite: PostgreSQL compiled to WebAssembly, in this process. The embedded default when
// DATABASE_URL is unset, so `npm start` needs nothing installed and the ledger speaks the server's SQL.
// One process only: PGlite is a single connection, and its data directory must not be shared.
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { SqlDatabase, SqlQueryable, SqlValue } from "./sql.js";

/** `dataDir` keeps the ledger across restarts; without it the ledger lives in memory. */
export async function openPglite(dataDir?: string): Promise<SqlDatabase> {
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  const on = (client: PGlite | Transaction): SqlQueryable => ({
    async query<Row extends object>(sql: string, params: SqlValue[] = []) {
      return (await client.query<Row>(sql, params)).rows;
    },
    async exec(sql: string) {
      await client.exec(sql);
    },
  });
  return {
    kind: "pglite",
    ...on(db),
    // PGlite runs one transaction at a time, so its transactions are serialised as well as atomic.
    transaction: (work) => db.transaction((tx) => work(on(tx))),
    close: () => db.close(),
  };
}
