// Test rig for journeys through the public surface: the real service (buildService) behind supertest,
// the ScratchPower sandbox over HTTP, and the Africa's Talking SMS double receiving the SMS.
import assert from "node:assert/strict";
import request from "supertest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { buildService, type Service } from "../../src/main.js";
import { ussdCapacity } from "../../src/text/gsm7.js";
import {
  type SandboxHandle,
  type ScratchPowerSandboxOptions,
  startScratchPowerSandbox,
} from "../../src/vending/sandbox/scratchpower-v1.js";
import { type AfricasTalkingSmsDouble, startAfricasTalkingSmsDouble } from "./africastalking-sms-double.js";
import { createTestDatabase, type TestDatabase } from "./postgres.js";
import { scratchPowerSandboxEnv } from "./scratchpower-env.js";

export interface Rig {
  /** The first instance. */
  service: Service;
  /** Every instance (several share one Redis when REDIS_URL is set). */
  services: Service[];
  sandbox: SandboxHandle;
  sms: AfricasTalkingSmsDouble;
  /** The rig's own PostgreSQL ledger database, unless it runs on the embedded one. */
  databaseUrl?: string;
  /** Every screen any session of this rig has shown (for the screen-length check). */
  screens: string[];
  /** A session whose callbacks go to the instances in turn (one instance unless there are several). */
  dial(phone?: string): UssdDialog;
  /** SMS texts the double received for a phone (E.164 with `+`), in arrival order. */
  smsTo(phone: string): string[];
  /** Waits until `count` SMS have reached `phone`, or fails after `timeoutMs`. */
  waitForSms(phone: string, count: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

let sessionCounter = 0;

/** The number of the screen's option whose label contains (or matches) `label`; fails the test when absent. */
export function option(screen: string, label: string | RegExp): string {
  const n = screen
    .split("\n")
    .find((line) => (typeof label === "string" ? line.includes(label) : label.test(line)))
    ?.match(/^(\d+) /)?.[1];
  assert.ok(n, `no option "${label}" on screen:\n${screen}`);
  return n;
}

export async function startRig(
  env: Record<string, string> = {},
  sandboxOptions: ScratchPowerSandboxOptions = {},
  instances = 1,
): Promise<Rig> {
  const sandbox = await startScratchPowerSandbox(sandboxOptions);
  const base = await assembleRig(
    {
      ...scratchPowerSandboxEnv(sandbox.url),
      ...env,
    },
    instances,
    () => sandbox.close(),
  );
  return { ...base, sandbox };
}

export type BaseRig = Omit<Rig, "sandbox">;

/**
 * The service (one or more instances) with the SMS double; `env` names the vendor to use. Unless `env`
 * sets DATABASE_URL, the instances share a fresh PostgreSQL database of this rig's own (dropped on close);
 * `DATABASE_URL: ""` leaves it unset, for the embedded PGlite ledger.
 */
export async function assembleRig(
  env: Record<string, string>,
  instances: number,
  closeVendor: () => Promise<void>,
): Promise<BaseRig> {
  const database: TestDatabase | undefined =
    env.DATABASE_URL === undefined ? await createTestDatabase("rig") : undefined;
  const sms = await startAfricasTalkingSmsDouble();
  const config = loadConfig({
    ...(database ? { DATABASE_URL: database.url } : {}),
    SMS_PROVIDER: "africastalking",
    AFRICASTALKING_USERNAME: "vendingco",
    AFRICASTALKING_API_KEY: "test-api-key",
    AFRICASTALKING_SMS_URL: sms.url,
    CONFIRM_WAIT_MS: "1500",
    CONFIRM_TIMEOUT_MS: "800",
    RESOLVE_BACKOFF_MS: "100",
    RESOLVE_ATTEMPTS: "5",
    SMS_BACKOFF_MS: "50",
    LOG_LEVEL: "silent",
    ...env,
  });
  const services: Service[] = [];
  for (let i = 0; i < instances; i++) services.push(await buildService(config, createLogger("silent")));
  const service = services[0] as Service;
  const screens: string[] = [];
  const smsTo = (phone: string) =>
    sms.requests.filter((r) => r.form.to === phone).map((r) => r.form.message ?? "");
  return {
    service,
    services,
    sms,
    ...(database ? { databaseUrl: database.url } : {}),
    screens,
    dial: (phone = "+26771000001") => new UssdDialog(services, phone, screens),
    smsTo,
    async waitForSms(phone, count, timeoutMs = 8000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (smsTo(phone).length >= count) return smsTo(phone);
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.fail(`expected ${count} SMS to ${phone}, got ${smsTo(phone).length}`);
    },
    async close() {
      for (const s of services) await s.close();
      await closeVendor();
      await sms.close();
      await database?.drop();
    },
  };
}

/** One USSD session as Africa's Talking drives it: every input so far joined by `*`. */
export class UssdDialog {
  readonly sessionId = `ATUid_test_${process.pid}_${++sessionCounter}`;
  readonly inputs: string[] = [];

  private posts = 0;

  constructor(
    private readonly services: Service[],
    readonly phone: string,
    private readonly screens: string[],
  ) {}

  /** The first callback (empty text). */
  start(): Promise<string> {
    return this.post("");
  }

  /** Types one input; returns the raw `CON …`/`END …` reply. */
  send(input: string): Promise<string> {
    this.inputs.push(input);
    return this.post(this.inputs.join("*"));
  }

  /** Sends the same text again, as an aggregator retry does. */
  repeat(): Promise<string> {
    return this.post(this.inputs.join("*"));
  }

  async post(text: string): Promise<string> {
    const service = this.services[this.posts++ % this.services.length] as Service;
    const res = await request(service.app).post("/ussd/africastalking").type("form").send({
      sessionId: this.sessionId,
      serviceCode: "*384*123#",
      phoneNumber: this.phone,
      networkCode: "99999",
      text,
    });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers["content-type"] ?? "", /text\/plain/);
    assert.match(res.text, /^(CON|END) /);
    const screen = res.text.slice(4);
    this.screens.push(screen);
    const capacity = ussdCapacity(screen, 182);
    assert.ok(capacity.fits, `screen of ${capacity.length} characters exceeds 182:\n${screen}`);
    return res.text;
  }
}
