// The sandbox's wire contract, spoken to directly over HTTP (the client tests cover the happy paths), and
// checked against the vendor's documented examples: same keys, same types.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  SANDBOX_ACCOUNT_ID,
  SANDBOX_CREDENTIALS,
  type SandboxHandle,
  startScratchPowerSandbox,
} from "../../src/vending/sandbox/scratchpower-v1.js";
import { parseVendorJson } from "../../src/vending/tolerant-json.js";
import {
  CONFIRM_AIRTIME,
  CONFIRM_ELECTRICITY,
  CONFIRM_WATER,
  LOGIN,
  VALIDATE_ELECTRICITY,
  VAS_PRODUCTS,
} from "../fixtures/vendor-docs/scratchpower-v1.js";

describe("ScratchPower v1 sandbox wire format", () => {
  let sandbox: SandboxHandle;
  let token: string;

  /** Each key of the document's example, with the same JSON type (nested objects compared one level down). */
  function assertShapeOf(documented: string, actual: unknown, what: string) {
    const example = parseVendorJson(documented) as Record<string, unknown>;
    const answer = actual as Record<string, unknown>;
    const typeOf = (value: unknown) =>
      value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    for (const [key, value] of Object.entries(example)) {
      // A key the document shows as null may hold a value of its own (a hint the document leaves out).
      assert.ok(key in answer, `${what}: ${key} missing`);
      if (value === null) continue;
      assert.equal(typeOf(answer[key]), typeOf(value), `${what}: ${key}`);
      if (typeOf(value) === "object" && key !== "operator" && key !== "requester") {
        for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
          const got = (answer[key] as Record<string, unknown>)[inner];
          assert.equal(typeOf(got), typeOf(innerValue), `${what}: ${key}.${inner}`);
        }
      }
    }
  }

  async function get(path: string) {
    const response = await fetch(`${sandbox.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return (await response.json()) as unknown;
  }

  async function post(path: string, body: unknown, bearer: string | null = token) {
    const response = await fetch(`${sandbox.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  function purchaseBody(overrides: Record<string, unknown> = {}) {
    return {
      source_channel: "USSD",
      language: "en-BW",
      product_type: "ELECTRICITY",
      provider_code: "BPC",
      debited_account_id: SANDBOX_ACCOUNT_ID,
      beneficiary_phone_number: "26771436390",
      subscriber_identifier: "04040404040",
      amount: 100,
      currency: "BWP",
      charges_on_top_flag: true,
      external_reference: randomUUID(),
      ...overrides,
    };
  }

  before(async () => {
    sandbox = await startScratchPowerSandbox({ confirmHangMs: 60_000 });
    const login = await post(
      "/v1/auth/login",
      {
        client_id: SANDBOX_CREDENTIALS.client_id,
        client_secret: SANDBOX_CREDENTIALS.client_secret,
        grant_type: "password",
        identifier: SANDBOX_CREDENTIALS.username,
        secret_pass: SANDBOX_CREDENTIALS.password,
        org_code: SANDBOX_CREDENTIALS.org_code,
        source_channel: "USSD",
      },
      null,
    );
    assert.equal(login.status, 200);
    assert.equal(login.body.access_in, 3600);
    assertShapeOf(LOGIN, login.body, "login");
    token = String(login.body.access_token);
  });

  after(async () => {
    await sandbox.close();
  });

  it("answers wrong credentials with 401 and a JSON error", async () => {
    const login = await post(
      "/v1/auth/login",
      {
        ...SANDBOX_CREDENTIALS,
        grant_type: "password",
        identifier: "x",
        secret_pass: "y",
        source_channel: "USSD",
      },
      null,
    );
    assert.equal(login.status, 401);
    assert.equal(login.body.response_code, "INVALID_CREDENTIALS");
    assert.deepEqual(Object.keys(login.body).sort(), [
      "developer_message",
      "errors",
      "response_code",
      "response_message",
      "timestamp",
    ]);
  });

  it("requires a known bearer token", async () => {
    const missing = await post("/v1/purchases/validate", purchaseBody(), null);
    assert.equal(missing.status, 401);
    const unknown = await post("/v1/purchases/validate", purchaseBody(), "not-a-token");
    assert.equal(unknown.status, 401);
  });

  it("answers vas-products as the document's bare array, electricity value for value", async () => {
    const products = (await get("/v1/vas-products")) as Record<string, unknown>[];
    assert.ok(Array.isArray(products));
    const documented = parseVendorJson(VAS_PRODUCTS) as Record<string, unknown>[];
    assert.deepEqual(products[0], documented[0]);
    for (const product of products) assertShapeOf(JSON.stringify(documented[0]), product, "product");
  });

  it("lists the debit account as a bare array with an integer id and a money-string balance", async () => {
    const accounts = (await get("/v1/accounts")) as { id: number; balance: string }[];
    assert.equal(accounts[0]?.id, SANDBOX_ACCOUNT_ID);
    assert.match(accounts[0]?.balance ?? "", /^BWP \d+\.\d{2}$/);
  });

  it("answers validate and confirm in the documented envelope's keys and types", async () => {
    const validate = await post("/v1/purchases/validate", purchaseBody());
    assertShapeOf(VALIDATE_ELECTRICITY, validate.body, "validate");
    const electricity = await post("/v1/purchases/confirm", purchaseBody());
    assertShapeOf(CONFIRM_ELECTRICITY, electricity.body, "electricity confirm");
    const airtime = await post(
      "/v1/purchases/confirm",
      purchaseBody({
        product_type: "AIRTIME",
        provider_code: "MASCOM",
        subscriber_identifier: "26771436390",
      }),
    );
    assertShapeOf(CONFIRM_AIRTIME, airtime.body, "airtime confirm");
    const water = await post(
      "/v1/purchases/confirm",
      purchaseBody({ product_type: "WATER", provider_code: "WUC", subscriber_identifier: "1234567890" }),
    );
    assertShapeOf(CONFIRM_WATER, water.body, "water confirm");
    assert.equal((water.body.product as { units: string }).units, "1500 L");
  });

  it("sells a 13-digit meter", async () => {
    const sold = await post(
      "/v1/purchases/confirm",
      purchaseBody({ subscriber_identifier: "0404040404013" }),
    );
    assert.equal(sold.body.status, "SUCCESSFUL");
    assert.equal(typeof (sold.body.product as { token: string }).token, "string");
  });

  it("rejects a malformed purchase with 400 and a response_message", async () => {
    const result = await post(
      "/v1/purchases/validate",
      purchaseBody({ beneficiary_phone_number: "+26771436390" }),
    );
    assert.equal(result.status, 400);
    assert.match(String(result.body.response_message), /beneficiary_phone_number/);
    const stringAmount = await post("/v1/purchases/validate", purchaseBody({ amount: "100.00" }));
    assert.equal(stringAmount.status, 400, "the field table types amount as a number");
    const stringAccount = await post("/v1/purchases/validate", purchaseBody({ debited_account_id: "13209" }));
    assert.equal(stringAccount.status, 400, "the field table types debited_account_id as an integer");
    const badJson = await post("/v1/purchases/validate", "{not json");
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body.response_code, "INVALID_JSON");
  });

  it("refuses well-formed purchases it will not sell with a 400-class error body", async () => {
    const wrongProvider = await post("/v1/purchases/validate", purchaseBody({ provider_code: "WUC" }));
    assert.equal(wrongProvider.status, 400);
    const wrongCurrency = await post("/v1/purchases/validate", purchaseBody({ currency: "NGN" }));
    assert.equal(wrongCurrency.status, 400);
    const shortMeter = await post("/v1/purchases/validate", purchaseBody({ subscriber_identifier: "0404" }));
    assert.equal(shortMeter.status, 400);
    const notAirtimeNumber = await post(
      "/v1/purchases/validate",
      purchaseBody({
        product_type: "AIRTIME",
        provider_code: "MASCOM",
        subscriber_identifier: "26761234567",
      }),
    );
    assert.equal(notAirtimeNumber.status, 400);
  });

  it("prices exactly, in money strings: charge on top or taken from the amount", async () => {
    const result = await post("/v1/purchases/validate", purchaseBody({ amount: 50.5 }));
    assert.equal(result.status, 200);
    const data = result.body;
    assert.equal(data.status, "ON_GOING");
    assert.equal(data.subscriber_details, "John Smith");
    assert.equal(data.entry, "BWP 50.50");
    assert.equal(data.charge, "BWP 3.00");
    assert.equal(data.net, "BWP 50.50");
    assert.equal(data.total, "BWP 53.50");
    assert.deepEqual(data.product, { type: "ELECTRICITY", provider: "BPC" });
    const inclusive = await post("/v1/purchases/validate", purchaseBody({ charges_on_top_flag: false }));
    assert.equal(inclusive.body.total, "BWP 100.00");
    assert.equal(inclusive.body.net, "BWP 97.00");
  });

  it("sells again on a second confirm of the same reference, as the document warns, and counts it", async () => {
    const body = purchaseBody();
    const first = await post("/v1/purchases/confirm", body);
    const second = await post("/v1/purchases/confirm", body);
    assert.equal(first.body.status, "SUCCESSFUL");
    assert.equal(second.body.status, "SUCCESSFUL");
    assert.notEqual(first.body.reference, second.body.reference);
    assert.equal(sandbox.stats.confirms.get(body.external_reference), 2);
    assert.equal(sandbox.stats.duplicateConfirms, 1);
  });

  it("answers PENDING for its pending meter, then the sale from retry", async () => {
    const body = purchaseBody({ subscriber_identifier: "04040404066" });
    const pending = await post("/v1/purchases/confirm", body);
    assert.equal(pending.body.status, "PENDING");
    assert.equal((pending.body.product as { token?: string }).token, undefined);
    const retried = await post("/v1/purchases/retry", {
      source_channel: "USSD",
      language: "en-BW",
      subscriber_identifier: "04040404066",
      external_reference: body.external_reference,
    });
    assert.equal(retried.body.status, "SUCCESSFUL");
    assert.equal(typeof (retried.body.product as { token: string }).token, "string");
  });

  it("answers retry of an unknown reference with 404", async () => {
    const result = await post("/v1/purchases/retry", {
      source_channel: "USSD",
      language: "en-BW",
      subscriber_identifier: "04040404040",
      external_reference: randomUUID(),
    });
    assert.equal(result.status, 404);
    assert.equal(typeof result.body.response_message, "string");
  });

  it("closes promptly even while a confirm hangs", async () => {
    const other = await startScratchPowerSandbox({ confirmHangMs: 60_000 });
    const login = await fetch(`${other.url}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ...SANDBOX_CREDENTIALS,
        grant_type: "password",
        identifier: SANDBOX_CREDENTIALS.username,
        secret_pass: SANDBOX_CREDENTIALS.password,
        source_channel: "USSD",
      }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const hanging = fetch(`${other.url}/v1/purchases/confirm`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${access_token}` },
      body: JSON.stringify(purchaseBody({ subscriber_identifier: "04040404022" })),
    }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const startedAt = Date.now();
    await other.close();
    assert.ok(Date.now() - startedAt < 1000);
    assert.ok((await hanging) instanceof Error, "the hanging request was cut off");
  });
});
