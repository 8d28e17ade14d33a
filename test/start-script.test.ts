// `npm start` runs the compiled build: scripts/start.mjs compiles dist/ when it is missing or older than the
// sources, then serves from it in its own process (no tsx), and stops cleanly on SIGTERM.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

describe("npm start (scripts/start.mjs)", function () {
  this.timeout(60_000);

  it("serves from a dist/ build no older than the sources, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["scripts/start.mjs", "main"], {
      cwd: root,
      // No tsx loader for the child, whatever this process runs with.
      env: { ...process.env, NODE_OPTIONS: "", PORT: "0", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = once(child, "exit");
    let output = "";
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const found = /"port":(\d+).*listening/.exec(output)?.[1];
        if (found) resolve(found);
      });
      void exited.then(() => reject(new Error(`exited before listening:\n${output}`)));
    });
    try {
      const live = await fetch(`http://127.0.0.1:${port}/health/live`);
      assert.equal(live.status, 200);
      const built = statSync(join(root, "dist", "src", "main.js")).mtimeMs;
      const sources = Math.max(newest(join(root, "src")), newest(join(root, "machines")));
      assert.ok(built >= sources, "dist/src/main.js is at least as new as every source");
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = await exited;
    assert.equal(code, 0, output);
  });
});
