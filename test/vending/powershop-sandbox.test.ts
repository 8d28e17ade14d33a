// The Powershop sandbox against its document: every answer has the keys and value types of the document's
// example for that call, written as the document prints it; refusals use the document's codes. Spoken to
// directly over HTTP (the client tests cover the journeys).

import assert from "node:assert/strict";
import {
  POWERSHOP_SANDBOX_CREDENTIALS,
  type PowershopSandboxHandle,
  startPowershopSandbox,
} from "../../src/vending/sandbox/powershop.js";
import { parseVendorJson } from "../../src/vending/tolerant-json.js";
import * as doc from "../fixtures/vendor-docs/powershop-ng-api.js";

type Body = {
  status?: unknown;
  description?: unknown;
  code?: unknown;
  data?: Record<string, unknown>;
  access_token?: unknown;
};

/** Keys and value types, recursively: what "the same shape" means. */
function shapeOf(value: unknown): unknown {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, inner]) => [key, shapeOf(inner)]),
    );
  }
  return typeof value;
}

const documented = (text: string) => shapeOf(parseVendorJson(text));

describe("Powershop sandbox against powershop-ng-api.txt", () => {
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
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      text,
      body: (parseVendorJson(text) ?? {}) as Body,
    };
  }

  const post = (path: string, body: unknown, bearer?: string | null) => call("POST", path, body, bearer);
  const VALIDATION = "/v1/merchant/meter/validation/request";
  const GENERATION = "/v1/merchant/token/generation/request";
  const STATUS = "/v1/merchant/transaction/status/request";
  const WALLET = "/v1/merchant/wallet-balance/request";

  function validationBody(overrides: Record<string, unknown> = {}) {
    return {
      meterNumber: "45700000001",
      meterType: "prepaid",
      mobileNumber: "08031234567",
      amount: 1000,
      merchantReference: "REF123456",
      disco: "aedc",
      ...overrides,
    };
  }

  async function validated(meterNumber: string, disco = "aedc"): Promise<string> {
    const answer = await post(VALIDATION, validationBody({ meterNumber, disco }));
    assert.equal(answer.body.code, "00", answer.text);
    return String(answer.body.data?.referenceNumber);
  }

  before(async () => {
    sandbox = await startPowershopSandbox({ generationHangMs: 60_000 });
    const auth = await post("/v1/merchant/auth/token/request", POWERSHOP_SANDBOX_CREDENTIALS, null);
    assert.equal(auth.status, 200);
    token = String(auth.body.access_token);
  });

  after(async () => {
    await sandbox.close();
  });

  beforeEach(() => sandbox.resetStats());

  describe("answers in the document's shapes", () => {
    it("token: the top-level access_token, token_type and expires_in of the example", async () => {
      const auth = await post("/v1/merchant/auth/token/request", POWERSHOP_SANDBOX_CREDENTIALS, null);
      assert.deepEqual(shapeOf(auth.body), documented(doc.TOKEN_RESPONSE));
      assert.equal(auth.body.access_token === token, false, "a new token per request");
    });

    it("meter validation: the example's envelope and data, with a bare 00 as printed", async () => {
      const answer = await post(VALIDATION, validationBody());
      assert.deepEqual(shapeOf(answer.body), documented(doc.VALIDATION_RESPONSE));
      assert.match(answer.text, /"code":00,/);
      assert.equal(answer.body.status, "Success");
      assert.equal(answer.body.data?.customerName, "Aisha Bello");
      assert.equal(answer.body.data?.minimumPurchase, 100);
      assert.equal(answer.body.data?.discoType, "aedc");
    });

    it("token generation: the example's envelope and data (amount a number, quoted date)", async () => {
      const referenceNumber = await validated("45700000001");
      const answer = await post(GENERATION, { referenceNumber, amount: "1000" });
      assert.deepEqual(shapeOf(answer.body), documented(doc.GENERATION_RESPONSE));
      assert.equal(answer.body.data?.token, "4570 0000 0010 0000 0001");
      assert.equal(answer.body.data?.merchantReference, "REF123456");
      assert.match(String(answer.body.data?.transactionDate), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    });

    it("transaction status: the example's envelope and data (amount a string, date unquoted)", async () => {
      const referenceNumber = await validated("45700000001");
      await post(GENERATION, { referenceNumber, amount: "1000" });
      const answer = await post(STATUS, { referenceNumber, disco: "aedc" });
      assert.deepEqual(shapeOf(answer.body), documented(doc.STATUS_RESPONSE));
      assert.match(answer.text, /"transactionDate":\d{4}-\d\d-\d\dT[\d:.]+,/);
      assert.equal(answer.body.data?.token, "4570 0000 0010 0000 0001");
      assert.equal(answer.body.data?.amount, "1000");
    });

    it("wallet balance: data.amount as a string that goes down by each sale", async () => {
      const before = await call("GET", WALLET);
      assert.deepEqual(shapeOf(before.body), documented(doc.WALLET_BALANCE_RESPONSE));
      await post(GENERATION, { referenceNumber: await validated("45700000001"), amount: "1500.5" });
      const after = await call("GET", WALLET);
      assert.equal(Number(before.body.data?.amount) - Number(after.body.data?.amount), 1500.5);
    });

    it("takes the document's own request examples as well-formed (its meter is simply unknown here)", async () => {
      for (const [path, example] of [
        [VALIDATION, doc.VALIDATION_REQUEST],
        [GENERATION, doc.GENERATION_REQUEST],
        [STATUS, doc.STATUS_REQUEST],
      ] as const) {
        const answer = await post(path, example);
        assert.equal(answer.status, 200, `${path}: ${answer.text}`);
        assert.deepEqual([answer.body.status, answer.body.code], ["Failed", 606], path);
      }
      const auth = await post("/v1/merchant/auth/token/request", doc.TOKEN_REQUEST, null);
      assert.equal(auth.status, 401, "the demo credentials are not the sandbox's");
    });
  });

  describe("refusals with the document's codes", () => {
    it("validates an amount below the meter's minimum (as documented), then refuses its generation (605)", async () => {
      const answer = await post(VALIDATION, validationBody({ meterNumber: "45700001000", amount: 500 }));
      assert.equal(answer.body.code, "00");
      assert.equal(answer.body.data?.minimumPurchase, 1000);
      const referenceNumber = String(answer.body.data?.referenceNumber);
      const below = await post(GENERATION, { referenceNumber, amount: "500" });
      assert.deepEqual(below.body, {
        status: "Failed",
        description: "Vending amount lower than the minimum purchase for a meter number in question",
        code: 605,
      });
      const enough = await post(GENERATION, { referenceNumber, amount: "1000" });
      assert.equal(enough.body.data?.token, "4570 0001 0000 0000 1000");
    });

    it("answers an unknown meter 606, a disco network failure 601, an empty wallet 600", async () => {
      const unknown = await post(VALIDATION, validationBody({ meterNumber: "4579999999999" }));
      assert.deepEqual([unknown.status, unknown.body.status, unknown.body.code], [200, "Failed", 606]);
      const network = await post(VALIDATION, validationBody({ meterNumber: "45700000601" }));
      assert.deepEqual(
        [network.body.code, network.body.description],
        [601, "Failed transaction (mostly network error)"],
      );
      const funds = await post(GENERATION, {
        referenceNumber: await validated("45700000600"),
        amount: "1000",
      });
      assert.deepEqual(
        [funds.body.code, funds.body.description],
        [600, "Insufficient Funds in merchant account"],
      );
      assert.equal(funds.body.data, undefined, "the document shows no refusal data");
    });

    it("reports a failed generation, and one never sent, as 606 on status", async () => {
      const failed = await validated("45700000611");
      assert.equal((await post(GENERATION, { referenceNumber: failed, amount: "1000" })).body.code, 601);
      assert.equal((await post(STATUS, { referenceNumber: failed, disco: "aedc" })).body.code, 606);
      const never = await validated("45700000001");
      assert.equal((await post(STATUS, { referenceNumber: never, disco: "aedc" })).body.code, 606);
    });

    it("reports a transaction's status only for its own disco", async () => {
      const referenceNumber = await validated("45700000001", "kedco");
      await post(GENERATION, { referenceNumber, amount: "1000" });
      assert.equal((await post(STATUS, { referenceNumber, disco: "kedco" })).body.code, "00");
      assert.equal((await post(STATUS, { referenceNumber, disco: "jed" })).body.code, 606);
    });
  });

  describe("what the document does not describe: plain HTTP errors", () => {
    it("401 without JSON for bad credentials and for a call without a token", async () => {
      const wrong = await post("/v1/merchant/auth/token/request", { username: "x", secret: "y" }, null);
      assert.equal(wrong.status, 401);
      assert.match(wrong.contentType, /^text\/plain/);
      const missing = await call("GET", WALLET, undefined, null);
      assert.equal(missing.status, 401);
      assert.equal(sandbox.stats.failedTokenRequests, 1);
      assert.equal(sandbox.stats.unauthorized, 1);
    });

    it("400 for fields of the wrong type or value: amount types, disco case, meter type, JSON", async () => {
      for (const overrides of [
        { amount: "1000" }, // validation's amount is a Double
        { disco: "AEDC" },
        { meterType: "smart" },
        { meterNumber: 45700000001 },
        { merchantReference: "REF 1" },
      ]) {
        const answer = await post(VALIDATION, validationBody(overrides));
        assert.equal(answer.status, 400, JSON.stringify(overrides));
      }
      const referenceNumber = await validated("45700000001");
      const numeric = await post(GENERATION, { referenceNumber, amount: 1000 }); // generation's is a String
      assert.equal(numeric.status, 400);
      assert.equal(
        sandbox.stats.generations.get(referenceNumber),
        undefined,
        "a malformed one is not counted",
      );
      assert.equal((await post(VALIDATION, "{not json")).status, 400);
    });

    it("409 for a second generation of one referenceNumber: counted, nothing sold twice", async () => {
      const referenceNumber = await validated("45700000001");
      const before = Number((await call("GET", WALLET)).body.data?.amount);
      assert.equal((await post(GENERATION, { referenceNumber, amount: "1000" })).body.code, "00");
      const second = await post(GENERATION, { referenceNumber, amount: "1000" });
      assert.equal(second.status, 409);
      assert.equal(sandbox.stats.generations.get(referenceNumber), 2);
      assert.equal(sandbox.stats.duplicateGenerations, 1);
      assert.equal(before - Number((await call("GET", WALLET)).body.data?.amount), 1000);
    });
  });

  it("closes promptly even while a generation hangs", async () => {
    const other = await startPowershopSandbox({ generationHangMs: 60_000 });
    const auth = await fetch(`${other.url}/v1/merchant/auth/token/request`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(POWERSHOP_SANDBOX_CREDENTIALS),
    });
    const bearer = String(((await auth.json()) as Body).access_token);
    const headers = { "content-type": "application/json", authorization: `Bearer ${bearer}` };
    const validation = await fetch(`${other.url}${VALIDATION}`, {
      method: "POST",
      headers,
      body: JSON.stringify(validationBody({ meterNumber: "0101570000022" })),
    });
    const referenceNumber = (parseVendorJson(await validation.text()) as Body).data?.referenceNumber;
    const hanging = fetch(`${other.url}${GENERATION}`, {
      method: "POST",
      headers,
      body: JSON.stringify({ referenceNumber, amount: "1000" }),
    }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await other.close(); // long before the 60 s hang (the test's own timeout is 20 s)
    assert.ok((await hanging) instanceof Error, "the hanging request was cut off");
  });
});
