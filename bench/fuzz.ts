// Fuzzing the webhooks: generated bodies (fast-check) at a running service over HTTP, per aggregator
// format and per inbound Africa's Talking route, reporting crashes, 5xx, unanswered requests and vendor
// calls. Two phases per route, half the bodies each:
//   invalid  bodies no format accepts: random JSON values, truncated JSON and XML, random form keys,
//            broken percent- and UTF-8 encodings, empty and oversized bodies. They must be refused (4xx)
//            and must cause no vendor call at all.
//   shaped   each format's own example bodies (test/ussd/aggregators/fixtures) with fields dropped or
//            replaced by wrong types, huge, empty and unicode values (lone surrogates included), session
//            ids from a small pool so hops replay and arrive out of order. They may legitimately reach
//            the vendor (a random path can buy); the calls are reported.
//
//   npm run fuzz                       100,000 bodies per route (FUZZ_BODIES), seed FUZZ_SEED (default 42)
//
// The service runs in this process (buildService, its own ScratchPower sandbox so vendor calls can be
// counted, in-memory store, embedded ledger) behind a real HTTP listener; a short run is in npm test.
import { readdirSync, readFileSync } from "node:fs";
import { Agent, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import fc from "fast-check";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/log.js";
import { buildService } from "../src/main.js";
import { registeredAggregators } from "../src/ussd/aggregators/registry.js";
import { SANDBOX_CREDENTIALS, startScratchPowerSandbox } from "../src/vending/sandbox/scratchpower-v1.js";

const FIXTURES = fileURLToPath(new URL("../test/ussd/aggregators/fixtures/", import.meta.url));
const SERVICE_CODE = "*384*123#";

interface Body {
  method: "GET" | "POST";
  path: string;
  contentType?: string;
  payload?: Buffer | string;
}

interface Target {
  route: string;
  invalid: fc.Arbitrary<Body>;
  shaped: fc.Arbitrary<Body>;
}

export interface RouteReport {
  route: string;
  phase: "invalid" | "shaped";
  sent: number;
  /** Answers by status class, e.g. { "2xx": 10, "4xx": 90 }. */
  answers: Record<string, number>;
  fiveXx: number;
  unanswered: number;
  /** Vendor HTTP calls made while this route and phase ran (login, products, validate, confirm, retry). */
  vendorCalls: number;
}

export interface FuzzReport {
  routes: RouteReport[];
  /** Uncaught exceptions and unhandled rejections while the service ran. */
  crashes: string[];
  /** Vendor calls made while only invalid bodies were being sent. */
  vendorCallsFromInvalid: number;
  healthyAfter: boolean;
  seconds: number;
}

export interface FuzzOptions {
  /** Bodies per route, half invalid and half shaped. */
  bodiesPerRoute: number;
  seed: number;
  concurrency?: number;
  /** Progress lines (the script prints them; tests pass nothing). */
  log?: (line: string) => void;
}

// ---- generators -------------------------------------------------------------------------------------

const weirdString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constant(""),
  fc.integer({ min: 200, max: 20_000 }).map((n) => "9".repeat(n)),
  fc
    .array(fc.constantFrom("1", "2", "3", "0", "00", "98", "04040404040", "04040404022", "100", "", "#"), {
      maxLength: 10,
    })
    .map((inputs) => inputs.join("*")),
  fc.constantFrom("+26771234567", "0712345678", "+", "267712345678901234", "not a phone", "\u0000", "%00"),
  fc.constantFrom("ELEC 04040404040 100", "YES 1234", "NO", "LAST", "STATUS ABC", "HELP", "elec x y z"),
);

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: weirdString },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(weirdString, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), weirdString, { maxKeys: 3 }),
);

const sessionPool = fc.constantFrom(...Array.from({ length: 20 }, (_, i) => `fuzz-session-${i}`));

const json = (value: unknown, base: Omit<Body, "payload" | "contentType">): Body => ({
  ...base,
  contentType: "application/json",
  payload: JSON.stringify(value) ?? "null",
});

/** Form encoding of any values: objects and arrays as JSON text, as a careless sender would. */
function formOf(fields: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields))
    form.append(key, typeof value === "string" ? value : (JSON.stringify(value) ?? ""));
  return form.toString();
}

/** Bodies no format accepts, sent to `path` with `method` (a GET route gets them as its query string). */
function invalidBodies(method: "GET" | "POST", path: () => fc.Arbitrary<string>): fc.Arbitrary<Body> {
  const contentType = fc.constantFrom(
    "application/json",
    "application/x-www-form-urlencoded",
    "application/xml",
    "text/plain",
    "application/octet-stream",
  );
  const payloads: fc.Arbitrary<{ contentType?: string; payload?: Buffer | string }> = fc.oneof(
    fc.jsonValue().map((v) => ({ contentType: "application/json", payload: JSON.stringify(v) })),
    fc
      .string({ maxLength: 30 })
      .map((s) => ({ contentType: "application/json", payload: `{"sessionId":${s}` })),
    fc
      .dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 }), { maxKeys: 5 })
      .map((d) => ({ contentType: "application/x-www-form-urlencoded", payload: formOf(d) })),
    fc
      .constantFrom("%", "%E0%A4%A", "a=%ZZ&b=%", "=%FF%FE", "&&&==", "text=%C3%28")
      .map((raw) => ({ contentType: "application/x-www-form-urlencoded", payload: raw })),
    fc
      .tuple(contentType, fc.uint8Array({ maxLength: 200 }))
      .map(([type, bytes]) => ({ contentType: type, payload: Buffer.from(bytes) })),
    fc
      .string({ maxLength: 40 })
      .map((s) => ({ contentType: "application/xml", payload: `<?xml version="1.0"?><ussd><msisdn>${s}` })),
    contentType.map((type) => ({ contentType: type, payload: "" })),
    fc.constant({}),
    contentType.map((type) => ({ contentType: type, payload: "x".repeat(64 * 1024) })),
  );
  if (method === "GET") {
    return fc
      .tuple(
        path(),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 4 }),
      )
      .map(([p, query]) => ({ method, path: `${p}?${formOf(query)}` }));
  }
  return fc.tuple(path(), payloads).map(([p, body]) => ({ method, path: p, ...body }));
}

/** A seed object with each field kept, dropped or replaced, and its session id from the pool. */
function mutated(
  seed: Record<string, unknown>,
  sessionKeys: string[],
): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(seed);
  return fc
    .tuple(
      fc.array(fc.constantFrom<"keep" | "drop" | "replace">("keep", "keep", "drop", "replace"), {
        minLength: keys.length,
        maxLength: keys.length,
      }),
      fc.array(weirdValue, { minLength: keys.length, maxLength: keys.length }),
      sessionPool,
    )
    .map(([choices, values, session]) => {
      const out: Record<string, unknown> = {};
      keys.forEach((key, i) => {
        if (choices[i] === "drop") return;
        out[key] = choices[i] === "replace" ? values[i] : seed[key];
        if (sessionKeys.includes(key) && choices[i] === "keep") out[key] = session;
      });
      return out;
    });
}

/** An XML seed with each element's text kept or replaced (unescaped, so some break the XML). */
function mutatedXml(seed: string): fc.Arbitrary<string> {
  const parts = seed.split(/(<[a-z]+>)([^<]*)(<\/[a-z]+>)/);
  return fc
    .array(fc.option(weirdString.map(String), { nil: undefined }), {
      minLength: parts.length,
      maxLength: parts.length,
    })
    .chain((replacements) =>
      fc.nat({ max: seed.length + 20 }).map((cut) => {
        const xml = parts.map((part, i) =>
          i % 4 === 2 && replacements[i] !== undefined ? replacements[i] : part,
        );
        const whole = xml.join("");
        return cut < seed.length / 4 ? whole.slice(0, cut) : whole;
      }),
    );
}

function fixturesOf(name: string): { json: Record<string, unknown>[]; xml: string[] } {
  let files: string[] = [];
  try {
    files = readdirSync(`${FIXTURES}${name}`);
  } catch {
    return { json: [], xml: [] };
  }
  const text = (file: string) => readFileSync(`${FIXTURES}${name}/${file}`, "utf8");
  return {
    json: files.filter((f) => f.endsWith(".json")).map((f) => JSON.parse(text(f)) as Record<string, unknown>),
    xml: files.filter((f) => f.endsWith(".xml")).map(text),
  };
}

const SESSION_KEYS = ["sessionId", "SessionId", "sessionID", "session_id", "sessionid", "USERID", "userID"];

function targets(): Target[] {
  const list: Target[] = [];
  for (const { name, adapter: aggregator } of registeredAggregators([SERVICE_CODE])) {
    const route = `/ussd/${name}`;
    const seeds = fixturesOf(name);
    if (name === "africastalking")
      seeds.json.push({
        sessionId: "ATUid_fuzz",
        serviceCode: SERVICE_CODE,
        phoneNumber: "+26771234567",
        networkCode: "63902",
        text: "",
      });
    const pathArb = () =>
      fc
        .constantFrom(...aggregator.paths)
        .chain((template) =>
          fc
            .tuple(sessionPool, fc.constantFrom("start", "response", "end", "status", "x", "%FF"))
            .map(
              ([session, action]) =>
                route +
                template.replace(":sessionId", encodeURIComponent(session)).replace(":action", action),
            ),
        );
    const base = (p: string) => ({ method: aggregator.method, path: p });
    let shaped: fc.Arbitrary<Body>;
    if (aggregator.body === "xml" && seeds.xml.length > 0) {
      shaped = fc
        .tuple(pathArb(), fc.constantFrom(...seeds.xml).chain(mutatedXml))
        .map(([p, xml]) => ({ ...base(p), contentType: "application/xml", payload: xml }));
    } else if (seeds.json.length > 0) {
      const fields = fc.constantFrom(...seeds.json).chain((seed) => mutated(seed, SESSION_KEYS));
      shaped = fc.tuple(pathArb(), fields, fc.boolean()).map(([p, f, asForm]) => {
        if (aggregator.method === "GET") return base(`${p}?${formOf(f)}`);
        if (asForm && aggregator.body === "form-or-json")
          return { ...base(p), contentType: "application/x-www-form-urlencoded", payload: formOf(f) };
        return json(f, base(p));
      });
    } else {
      shaped = invalidBodies(aggregator.method, pathArb);
    }
    list.push({ route, invalid: invalidBodies(aggregator.method, pathArb), shaped });
  }
  const africasTalking = (route: string, seed: Record<string, unknown>, keys: string[]): Target => {
    const fields = mutated(seed, keys);
    return {
      route,
      invalid: invalidBodies("POST", () => fc.constant(route)),
      shaped: fc.tuple(fields, fc.boolean()).map(([f, asForm]) =>
        asForm
          ? {
              method: "POST",
              path: route,
              contentType: "application/x-www-form-urlencoded",
              payload: formOf(f),
            }
          : json(f, { method: "POST", path: route }),
      ),
    };
  };
  const events = fixturesOf("africastalking-events").json[0] ?? { sessionId: "ATUid_fuzz", status: "Failed" };
  list.push(africasTalking("/ussd/africastalking/events", events, ["sessionId"]));
  list.push(
    africasTalking(
      "/sms/africastalking",
      {
        from: "+26771234567",
        to: "12345",
        text: "ELEC 04040404040 100",
        date: "2026-03-02 10:00:00",
        id: "fuzz-inbound",
        linkId: "link-1",
      },
      ["id"],
    ),
  );
  list.push(
    africasTalking(
      "/sms/africastalking/delivery",
      { id: "ATXid_fuzz", status: "Failed", phoneNumber: "+26771234567", failureReason: "DeliveryFailure" },
      ["id"],
    ),
  );
  return list;
}

// ---- sending ----------------------------------------------------------------------------------------

function send(agent: Agent, port: number, body: Body, timeoutMs: number): Promise<number | "unanswered"> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = {};
    if (body.contentType) headers["content-type"] = body.contentType;
    if (body.payload !== undefined) headers["content-length"] = Buffer.byteLength(body.payload);
    const req = request(
      { host: "127.0.0.1", port, method: body.method, path: body.path, agent, headers, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve("unanswered"));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve("unanswered"));
    if (body.payload !== undefined && body.method !== "GET") req.end(body.payload);
    else req.end();
  });
}

/** Bodies generated `chunk` at a time so 100,000 never sit in memory together. */
async function* generate(arbitrary: fc.Arbitrary<Body>, count: number, seed: number): AsyncGenerator<Body> {
  const chunk = 1000;
  for (let done = 0, round = 0; done < count; done += chunk, round++) {
    for (const body of fc.sample(arbitrary, { numRuns: Math.min(chunk, count - done), seed: seed + round }))
      yield body;
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const crashes: string[] = [];
  const onCrash = (error: unknown) =>
    crashes.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);

  const sandbox = await startScratchPowerSandbox({ confirmHangMs: 1500 });
  const service = await buildService(
    loadConfig({
      SCRATCHPOWER_URL: sandbox.url,
      SCRATCHPOWER_CLIENT_ID: SANDBOX_CREDENTIALS.client_id,
      SCRATCHPOWER_CLIENT_SECRET: SANDBOX_CREDENTIALS.client_secret,
      SCRATCHPOWER_USERNAME: SANDBOX_CREDENTIALS.username,
      SCRATCHPOWER_PASSWORD: SANDBOX_CREDENTIALS.password,
      SCRATCHPOWER_ORG_CODE: SANDBOX_CREDENTIALS.org_code,
      USSD_SERVICE_CODES: SERVICE_CODE,
      USSD_NEW_SESSIONS_PER_MINUTE: "1000",
      SMS_MESSAGES_PER_MINUTE: "1000",
      SMS_QUOTES_PER_HOUR: "1000",
      CONFIRM_TIMEOUT_MS: "1000",
      CONFIRM_WAIT_MS: "500",
      RESOLVE_BACKOFF_MS: "200",
      LOG_LEVEL: "silent",
    }),
    createLogger("silent"),
  );
  const server: Server = await new Promise((resolve) => {
    const listening = service.app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 16 });
  const vendorCalls = () => {
    const s = sandbox.stats;
    const confirms = [...s.confirms.values()].reduce((a, b) => a + b, 0);
    return s.logins + s.refreshes + s.accountLists + s.productLists + s.validates + confirms + s.retries;
  };

  const routes: RouteReport[] = [];
  let vendorCallsFromInvalid = 0;
  try {
    // One real menu first: the login and the product list are then cached, as in a running service.
    await send(
      agent,
      port,
      {
        method: "POST",
        path: "/ussd/africastalking",
        contentType: "application/x-www-form-urlencoded",
        payload: formOf({
          sessionId: "fuzz-warmup",
          serviceCode: SERVICE_CODE,
          phoneNumber: "+26771234567",
          text: "",
        }),
      },
      15_000,
    );
    const all = targets();
    for (const phase of ["invalid", "shaped"] as const) {
      for (const [index, target] of all.entries()) {
        const report: RouteReport = {
          route: target.route,
          phase,
          sent: 0,
          answers: {},
          fiveXx: 0,
          unanswered: 0,
          vendorCalls: 0,
        };
        const callsBefore = vendorCalls();
        const count =
          phase === "invalid"
            ? Math.floor(options.bodiesPerRoute / 2)
            : Math.ceil(options.bodiesPerRoute / 2);
        const bodies = generate(
          target[phase],
          count,
          options.seed + index * 7919 + (phase === "invalid" ? 0 : 1),
        );
        const worker = async () => {
          for await (const body of bodies) {
            const status = await send(agent, port, body, 15_000);
            report.sent++;
            if (status === "unanswered") {
              report.unanswered++;
              continue;
            }
            const kind = `${Math.floor(status / 100)}xx`;
            report.answers[kind] = (report.answers[kind] ?? 0) + 1;
            if (status >= 500) report.fiveXx++;
          }
        };
        await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
        report.vendorCalls = vendorCalls() - callsBefore;
        if (phase === "invalid") vendorCallsFromInvalid += report.vendorCalls;
        routes.push(report);
        log(formatRow(report));
      }
    }
    const health = await send(agent, port, { method: "GET", path: "/health" }, 5000);
    return {
      routes,
      crashes,
      vendorCallsFromInvalid,
      healthyAfter: health === 200,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await service.close();
    await sandbox.close();
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  }
}

export function formatRow(r: RouteReport): string {
  const answers = Object.entries(r.answers)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `${r.phase.padEnd(8)} ${r.route.padEnd(30)} sent ${String(r.sent).padStart(7)}  5xx ${r.fiveXx}  unanswered ${r.unanswered}  vendor calls ${r.vendorCalls}  (${answers})`;
}

async function main(): Promise<void> {
  const bodiesPerRoute = Number(process.env.FUZZ_BODIES ?? 100_000);
  const seed = Number(process.env.FUZZ_SEED ?? 42);
  console.log(`Fuzzing: ${bodiesPerRoute} bodies per route (half invalid, half shaped), seed ${seed}\n`);
  const report = await runFuzz({ bodiesPerRoute, seed, log: (line) => console.log(line) });
  const total = report.routes.reduce((n, r) => n + r.sent, 0);
  const fiveXx = report.routes.reduce((n, r) => n + r.fiveXx, 0);
  const unanswered = report.routes.reduce((n, r) => n + r.unanswered, 0);
  console.log(
    `\n${total} bodies in ${report.seconds.toFixed(0)} s: ${report.crashes.length} crashes, ${fiveXx} 5xx, ${unanswered} unanswered, ${report.vendorCallsFromInvalid} vendor calls from invalid bodies, health after: ${report.healthyAfter ? "ok" : "FAILED"}`,
  );
  for (const crash of report.crashes.slice(0, 5)) console.log(`crash: ${crash}`);
  const bad = report.crashes.length + fiveXx + unanswered + report.vendorCallsFromInvalid;
  process.exit(bad === 0 && report.healthyAfter ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
