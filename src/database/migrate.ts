// Schema migrations, run at startup: numbered SQL scripts applied in order, each recorded in
// schema_migrations, all pending ones in one transaction. Instances starting together take turns on an
// advisory lock, so a script never runs twice.
import type { Logger } from "../log.js";
import type { SqlDatabase } from "./sql.js";

export interface Migration {
  /** Applied in ascending order; never reuse or renumber one that has shipped. */
  id: number;
  name: string;
  sql: string;
}

/** Applies the migrations `db` has not seen; returns the ids applied now. */
export async function migrate(db: SqlDatabase, migrations: Migration[], logger: Logger): Promise<number[]> {
  const ordered = [...migrations].sort((a, b) => a.id - b.id);
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('ussd-vending schema_migrations'))");
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const seen = new Set(
      (await tx.query<{ id: number }>("SELECT id FROM schema_migrations")).map((row) => Number(row.id)),
    );
    const applied: number[] = [];
    for (const migration of ordered) {
      if (seen.has(migration.id)) continue;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (id, name) VALUES ($1, $2)", [
        migration.id,
        migration.name,
      ]);
      applied.push(migration.id);
    }
    if (applied.length > 0) logger.info({ migrations: applied, database: db.kind }, "schema migrated");
    return applied;
  });
}
