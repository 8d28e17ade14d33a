// Which folder may import which (README, Architecture). The money core knows no channel: a change to how
// customers are reached or how SMS commands read can never reach the code that moves money, and the journey
// stays pure. Read from the source files themselves, so a new import that breaks a rule fails here.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/** Every .ts file under `dir` (relative to the repository root). */
function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

/** The repository paths a file imports (static, re-exported or dynamic); packages are left out. */
function importsOf(file: string): string[] {
  const source = readFileSync(path.join(root, file), "utf8");
  const specifiers = [...source.matchAll(/\b(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map(
    (match) => match[1] as string,
  );
  return specifiers
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), specifier)));
}

/** `file → import` for each import of a file under `from` that lands under one of `forbidden`. */
function crossings(from: string, forbidden: string[]): string[] {
  return sourceFiles(from).flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden.some((dir) => target === dir || target.startsWith(`${dir}/`)))
      .map((target) => `${file} → ${target}`),
  );
}

describe("dependency direction", () => {
  it("finds the imports it checks (a reader that found none would pass anything)", () => {
    assert.ok(importsOf("src/purchases/purchases.ts").includes("src/purchases/notifier.js"));
    assert.ok(importsOf("src/notify/sms-notifier.ts").includes("src/purchases/notifier.js"));
    assert.ok(importsOf("src/sms/conversations.ts").includes("src/purchases/purchases.js"));
  });

  it("the money core (src/purchases/) imports no channel: it tells customers through its notifier port", () => {
    assert.deepEqual(crossings("src/purchases", ["src/sms", "src/notify", "src/ussd", "src/operator"]), []);
  });

  it("customer notification (src/notify/) does not depend on the inbound SMS channel (src/sms/)", () => {
    assert.deepEqual(crossings("src/notify", ["src/sms", "src/ussd", "src/operator"]), []);
  });

  it("the journey (machines/) imports nothing from src/", () => {
    assert.deepEqual(crossings("machines", ["src"]), []);
  });
});
