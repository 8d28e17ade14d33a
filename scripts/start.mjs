// `npm start` / `npm run worker`: run the compiled build, compiling first when dist/ is missing or older
// than any source file, so production never runs through tsx (a development tool: `npm run dev`).
// Usage: node scripts/start.mjs <entry under src/, e.g. main or worker>
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = process.argv[2] ?? "main";
const compiled = join(root, "dist", "src", `${entry}.js`);
// What tsconfig.build.json compiles, and the settings that shape the output.
const inputs = ["src", "machines", "tsconfig.json", "tsconfig.build.json", "package.json"];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

const sourcesChanged = Math.max(...inputs.map((input) => newest(join(root, input))));
if (!existsSync(compiled) || statSync(compiled).mtimeMs < sourcesChanged) {
  console.error(`building dist/ (${existsSync(compiled) ? "sources changed" : "no build yet"})`);
  // tsc from this project's dependencies, whatever is on PATH.
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
    stdio: "inherit",
  });
  if (build.status !== 0) {
    console.error("build failed: fix the errors above (npm run typecheck) and start again");
    process.exit(build.status ?? 1);
  }
}
if (!existsSync(compiled)) {
  console.error(`${relative(root, compiled)} was not built: is src/${entry}.ts there?`);
  process.exit(1);
}
// The service in this process, so signals (SIGTERM from a supervisor) reach its graceful shutdown.
process.argv = [process.argv[0], compiled, ...process.argv.slice(3)];
await import(pathToFileURL(compiled).href);
