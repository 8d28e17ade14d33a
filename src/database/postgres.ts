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

/**
 * Statements with parameters are prepared once per connection and run by name afterwards: the server
 * parses and plans them once, and only the name and the values travel (the ledger's statements are some
 * 1 KB of text each). The ledger's statements are a small fixed set; past `max` texts, the rest run
 * unprepared rather than grow every connection's cache.
 */
class PreparedStatementNames {
  private readonly names = new Map<string, string>();
  private issued = 0;
  constructor(private readonly max = 200) {}

  nameOf(sql: string): string | undefined {
    const name = this.names.get(sql);
    if (name !== undefined || this.names.size >= this.max) return name;
    return this.renew(sql);
  }

  /** A new name for `sql`: every connection prepares it again on its next use. */
  renew(sql: string): string {
    const name = `ledger_${++this.issued}`;
    this.names.set(sql, name);
    return name;
  }
}

/** PostgreSQL's "cached plan must not change result type" (a prepared statement's table changed). */
function isStalePlan(error: unknown): boolean {
  return (
    (error as { code?: unknown } | null)?.code === "0A000" &&
    /cached plan must not change result type/.test(String((error as Error).message))
  );
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
  const statements = new PreparedStatementNames();
  const on = (client: pg.Pool | pg.PoolClient): SqlQueryable => ({
    async query<Row extends object>(sql: string, params: SqlValue[] = []) {
      const name = params.length > 0 ? statements.nameOf(sql) : undefined;
      if (!name) return (await client.query(sql, params)).rows as Row[];
      try {
        return (await client.query({ name, text: sql, values: params })).rows as Row[];
      } catch (error) {
        // A newer instance's migration changed a table under a statement this connection prepared: the
        // server refuses it before running it, so it is safe to run again, prepared afresh under a new name.
        if (!isStalePlan(error)) throw error;
        const renewed = statements.renew(sql);
        return (await client.query({ name: renewed, text: sql, values: params })).rows as Row[];
      }
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
