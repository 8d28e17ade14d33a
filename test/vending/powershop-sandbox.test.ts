// The Powershop sandbox's wire contract, spoken to directly over HTTP (the client tests cover the journeys).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  POWERSHOP_SANDBOX_CREDENTIALS,
  type PowershopSandboxHandle,
  startPowershopSandbox,
} from "../../src/vending/sandbox/powershop.js";

type Body = { code?: unknown; message?: unknown; data?: Record<string, unknown> };

describe("Powershop sandbox wire format", () => {
  let sandbox: PowershopSandboxHandle;
  let token: string;

  async function call(method: "GET" | "POST", path: string, body?: unknown, bearer: string | null = token) {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Body };
  }

  const post = (path: string, body: unknown, bearer?: string | null) => call("POST", path, body, bearer);

  function validationBody(overrides: Record<string, unknown> = {}) {
    return {
      meterNumber: "45700000001",
      meterType: "prepaid",
      mobileNumber: "08031234567",
      amount: 1000,
      merchantReference: randomUUID(),
      disco: "aedc",
      ...overrides,
    };
  }

  async function validated(meterNumber: string, amount = 1000): Promise<string> {
    const answer = await post(
      "/v1/merchant/meter/validation/request",
      validationBody({ meterNumber, amount }),
    );
    assert.equal(answer.body.code, 0, JSON.stringify(answer.body));
    return String(answer.body.data?.referenceNumber);
  }

  before(async () => {
    sandbox = await startPowershopSandbox({ generationHangMs: 60_000 });
    const auth = await post("/v1/merchant/auth/token/request", POWERSHOP_SANDBOX_CREDENTIALS, null);
    assert.equal(auth.status, 200);
    token = String(auth.body.data?.token);
  });

  after(async () => {
    await sandbox.close();
  });

  beforeEach(() => sandbox.resetStats());

  it("issues a token with expires_in under the string code '00', and refuses other credentials", async () => {
    const auth = await post("/v1/merchant/auth/token/request", POWERSHOP_SANDBOX_CREDENTIALS, null);
    assert.equal(auth.body.code, "00");
    assert.equal(auth.body.data?.expires_in, 3600);
    const wrong = await post("/v1/merchant/auth/token/request", { username: "x", secret: "y" }, null);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, 401);
    assert.equal(sandbox.stats.failedTokenRequests, 1);
  });

  it("answers 401 to a call without a token", async () => {
    const missing = await call("GET", "/v1/merchant/wallet-balance/request", undefined, null);
    assert.equal(missing.status, 401);
    assert.equal(missing.body.code, "401");
    assert.equal(sandbox.stats.unauthorized, 1);
  });

  it("validates with a referenceNumber, name and minimum, code 0 as a number", async () => {
    const answer = await post("/v1/merchant/meter/validation/request", validationBody({ amount: "1500.50" }));
    assert.equal(answer.status, 200);
    assert.equal(answer.body.code, 0);
    assert.match(String(answer.body.data?.referenceNumber), /^PSN\d+$/);
    assert.equal(answer.body.data?.customerName, "Aisha Bello");
    assert.equal(answer.body.data?.amount, 1500.5);
    assert.equal(answer.body.data?.minimumPurchase, 100);
  });

  it("answers business refusals with HTTP 200 and their code, as string or number", async () => {
    const path = "/v1/merchant/meter/validation/request";
    const below = await post(path, validationBody({ meterNumber: "45700001000", amount: 999 }));
    assert.deepEqual([below.status, below.body.code, below.body.data?.minimumPurchase], [200, "605", 1000]);
    const unknown = await post(path, validationBody({ meterNumber: "4579999999999" }));
    assert.deepEqual([unknown.status, unknown.body.code], [200, 606]);
    const network = await post(path, validationBody({ meterNumber: "45700000601" }));
    assert.deepEqual([network.status, network.body.code], [200, "601"]);
    const funds = await post("/v1/merchant/token/generation/request", {
      referenceNumber: await validated("45700000600"),
      amount: 1000,
    });
    assert.deepEqual([funds.status, funds.body.code], [200, 600]);
  });

  it("refuses malformed requests with 400: bad meter, postpaid, phone, disco, JSON", async () => {
    const path = "/v1/merchant/meter/validation/request";
    for (const overrides of [
      { meterNumber: "1234" },
      { meterType: "postpaid" },
      { mobileNumber: "2348031234567" },
      { disco: "bpc" },
    ]) {
      const answer = await post(path, validationBody(overrides));
      assert.equal(answer.status, 400, JSON.stringify(overrides));
      assert.equal(answer.body.code, 400);
    }
    assert.equal((await post(path, "{not json")).status, 400);
  });

  it("generates once per referenceNumber: a second generation is refused (409) and counted", async () => {
    const referenceNumber = await validated("45700000001");
    const first = await post("/v1/merchant/token/generation/request", { referenceNumber, amount: 1000 });
    assert.equal(first.body.code, "00");
    assert.equal(first.body.data?.token, "4570 0000 0010 0000 0001");
    const second = await post("/v1/merchant/token/generation/request", { referenceNumber, amount: 1000 });
    assert.deepEqual([second.status, second.body.code], [409, "409"]);
    assert.equal(sandbox.stats.generations.get(referenceNumber), 2);
    assert.equal(sandbox.stats.duplicateGenerations, 1);
  });

  it("refuses a generation for another amount (400) or an unknown reference (606), selling nothing", async () => {
    const referenceNumber = await validated("45700000001");
    const other = await post("/v1/merchant/token/generation/request", { referenceNumber, amount: 2000 });
    assert.deepEqual([other.status, other.body.code], [400, 400]);
    const unknown = await post("/v1/merchant/token/generation/request", {
      referenceNumber: "PSN0",
      amount: 1,
    });
    assert.equal(unknown.body.code, 606);
    const status = await post("/v1/merchant/transaction/status/request", { referenceNumber, disco: "aedc" });
    assert.equal(status.body.code, 606, "nothing was generated for it");
  });

  it("reports a transaction's status only for its own disco", async () => {
    const referenceNumber = await validated("45700000001");
    await post("/v1/merchant/token/generation/request", { referenceNumber, amount: 1000 });
    const own = await post("/v1/merchant/transaction/status/request", { referenceNumber, disco: "aedc" });
    assert.equal(own.body.code, 0);
    assert.equal(own.body.data?.status, "SUCCESSFUL");
    assert.equal(own.body.data?.token, "4570 0000 0010 0000 0001");
    const other = await post("/v1/merchant/transaction/status/request", { referenceNumber, disco: "jed" });
    assert.equal(other.body.code, 606);
  });

  it("reports a failed generation as '606' (string)", async () => {
    const referenceNumber = await validated("45700000611");
    const generation = await post("/v1/merchant/token/generation/request", { referenceNumber, amount: 1000 });
    assert.equal(generation.body.code, "601");
    const status = await post("/v1/merchant/transaction/status/request", { referenceNumber, disco: "aedc" });
    assert.deepEqual(
      [status.body.code, status.body.message],
      ["606", "Transaction failed: no token was generated."],
    );
  });

  it("gives the wallet balance as a number under the string code '0'", async () => {
    const answer = await call("GET", "/v1/merchant/wallet-balance/request");
    assert.equal(answer.body.code, "0");
    assert.equal(typeof answer.body.data?.balance, "number");
    assert.equal(answer.body.data?.currency, "NGN");
  });

  it("closes promptly even while a generation hangs", async () => {
    const other = await startPowershopSandbox({ generationHangMs: 60_000 });
    const auth = await fetch(`${other.url}/v1/merchant/auth/token/request`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(POWERSHOP_SANDBOX_CREDENTIALS),
    });
    const bearer = String(((await auth.json()) as Body).data?.token);
    const headers = { "content-type": "application/json", authorization: `Bearer ${bearer}` };
    const validation = await fetch(`${other.url}/v1/merchant/meter/validation/request`, {
      method: "POST",
      headers,
      body: JSON.stringify(validationBody({ meterNumber: "0101570000022" })),
    });
    const referenceNumber = ((await validation.json()) as Body).data?.referenceNumber;
    const hanging = fetch(`${other.url}/v1/merchant/token/generation/request`, {
      method: "POST",
      headers,
      body: JSON.stringify({ referenceNumber, amount: 1000 }),
    }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const startedAt = Date.now();
    await other.close();
    assert.ok(Date.now() - startedAt < 1000);
    assert.ok((await hanging) instanceof Error, "the hanging request was cut off");
  });
});
