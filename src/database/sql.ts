// The SQL port: the little the ledger needs of a PostgreSQL connection, so a PostgreSQL server (pg) and
// the embedded PGlite serve one dialect through one interface.

export type SqlValue = string | number | boolean | null | Date | string[];

export interface SqlQueryable {
  /** One statement with $1… parameters; rows come back with PostgreSQL's types as the driver maps them. */
  query<Row extends object>(sql: string, params?: SqlValue[]): Promise<Row[]>;
  /** A script of several statements, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlDatabase extends SqlQueryable {
  /** "postgresql" or "pglite", for logs and /health. */
  readonly kind: string;
  /**
   * Runs `work` in one transaction (READ COMMITTED) on one connection: committed when it returns,
   * rolled back when it throws.
   */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** PostgreSQL's SQLSTATE of an error from either driver, if it has one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
