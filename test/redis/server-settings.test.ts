// Startup reads the Redis server's settings: an evicting maxmemory-policy stops it (naming the setting),
// even where CONFIG is disabled; a server without an append-only file starts with a warning.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { buildService } from "../../src/main.js";
import { createTestDatabase } from "../helpers/postgres.js";
import { type OwnRedis, startOwnRedis } from "../helpers/redis.js";

/** A logger whose lines (warn and above) the test can read. */
function recordingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: "warn" }, sink), lines };
}

describe("Redis server settings at startup", function () {
  this.timeout(30_000);
  const servers: OwnRedis[] = [];
  const own = async (args: string[]) => {
    const server = await startOwnRedis({ args });
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop();
  });

  for (const [label, args] of [
    ["with CONFIG", []],
    ["with CONFIG disabled (read from INFO)", ["--rename-command", "CONFIG", ""]],
  ] as const) {
    it(`refuses an evicting maxmemory-policy, naming it, ${label}`, async () => {
      const redis = await own(["--maxmemory-policy", "allkeys-lru", ...args]);
      const config = loadConfig({
        REDIS_URL: redis.url,
        DATABASE_URL: "postgres://postgres@127.0.0.1:1/unused",
        LOG_LEVEL: "silent",
      });
      await assert.rejects(
        buildService(config, recordingLogger().logger),
        /REDIS_URL: the server's maxmemory-policy is allkeys-lru; set it to noeviction/,
      );
    });
  }

  it("starts on noeviction without AOF, warning that a restart loses queued SMS", async () => {
    const redis = await own(["--maxmemory-policy", "noeviction", "--rename-command", "CONFIG", ""]);
    const database = await createTestDatabase("settings");
    const { logger, lines } = recordingLogger();
    const service = await buildService(
      loadConfig({ REDIS_URL: redis.url, DATABASE_URL: database.url, LOG_LEVEL: "warn" }),
      logger,
    );
    try {
      assert.ok(
        lines.some((line) => /no append-only file \(appendonly no\)/.test(line)),
        `no AOF warning in:\n${lines.join("")}`,
      );
      assert.ok(!lines.some((line) => /maxmemory-policy/.test(line)), "policy was read (from INFO)");
    } finally {
      await service.close();
      await database.drop();
    }
  });
});
