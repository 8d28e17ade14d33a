// CPU per USSD step in the session engine alone (no HTTP, in-memory store): dial, product, meter. What the
// state machine, rendering and the store's serialisation cost per callback, apart from the network.
//   npx tsx bench/session-engine.ts
import { CATALOGUES } from "../machines/copy/index.js";
import { createLogger } from "../src/log.js";
import type { PurchaseService } from "../src/purchases/purchases.js";
import { MemoryStore } from "../src/store/memory.js";
import { UssdSessions } from "../src/ussd/session.js";
import { electricity } from "../test/machines/products.js";

const products = [electricity];
const sessions = new UssdSessions(
  new MemoryStore(),
  {} as PurchaseService, // the steps measured never reach the purchase service
  async () => products,
  {
    toPhone: (text) => (/^\d{8}$/.test(text) ? `267${text}` : null),
    newSessionsPerMinute: 1_000_000,
    repeatWindowMs: 2000,
    currency: "BWP",
    minAmount: "5.00",
    maxAmount: "5000.00",
    sessionTtlSeconds: 180,
    sourceChannel: "USSD",
    replyBudgetMs: 5000,
    screenLimit: 182,
    languages: ["en"],
    catalogues: CATALOGUES,
  },
  createLogger("silent"),
);

const steps = [[], ["1"], ["1", "04040404040"]];
const n = Number(process.env.BENCH_SESSIONS ?? 20_000);
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
for (const round of ["warm-up", "measured"]) {
  const spent = steps.map(() => 0);
  for (let i = 0; i < n; i++) {
    for (const [s, inputs] of steps.entries()) {
      const c0 = cpu();
      await sessions.handle({
        sessionId: `${round}-${i}`,
        phone: `2677${String(1_000_000 + (i % 1000))}`,
        serviceCode: "*384*123#",
        input: { kind: "path", inputs },
      });
      spent[s] = (spent[s] ?? 0) + cpu() - c0;
    }
  }
  if (round === "measured")
    console.log(
      ["dial", "product", "meter"]
        .map((name, s) => `${name} ${((spent[s] ?? 0) / n).toFixed(1)} µs`)
        .join("  "),
    );
}
