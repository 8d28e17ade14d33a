// The SQL port on a PostgreSQL server (DATABASE_URL), through a pg connection pool.
import pg from "pg";
import type { Logger } from "../log.js";
import type { SqlDatabase, SqlQueryable, SqlValue } from "./sql.js";

export interface PostgresOptions {
  /** Connections this process may hold (default 10). */
  maxConnections?: number;
  /** A statement running longer than this is cancelled by the server (default 10 s). */
  statementTimeoutMs?: number;
}

export function connectPostgres(url: string, logger: Logger, options: PostgresOptions = {}): SqlDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    // A callback must get its answer within the aggregator's deadline: fail fast when the server is away.
    connectionTimeoutMillis: 2000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on("error", (error) => logger.warn({ err: error.message }, "PostgreSQL connection lost"));
  const on = (client: pg.Pool | pg.PoolClient): SqlQueryable => ({
    async query<Row extends object>(sql: string, params: SqlValue[] = []) {
      return (await client.query(sql, params)).rows as Row[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  });
  return {
    kind: "postgresql",
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await work(on(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
