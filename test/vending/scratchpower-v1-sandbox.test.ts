// The sandbox's wire contract, spoken to directly over HTTP (the client tests cover the happy paths).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  SANDBOX_ACCOUNT_ID,
  SANDBOX_CREDENTIALS,
  type SandboxHandle,
  startScratchPowerSandbox,
} from "../../src/vending/sandbox/scratchpower-v1.js";

describe("ScratchPower v1 sandbox wire format", () => {
  let sandbox: SandboxHandle;
  let token: string;

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
      amount: "100.00",
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
    assert.equal(typeof login.body.refresh_token, "string");
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
  });

  it("requires a known bearer token", async () => {
    const missing = await post("/v1/purchases/validate", purchaseBody(), null);
    assert.equal(missing.status, 401);
    const unknown = await post("/v1/purchases/validate", purchaseBody(), "not-a-token");
    assert.equal(unknown.status, 401);
  });

  it("answers /v1/auth/me and lists accounts with balances", async () => {
    const me = await fetch(`${sandbox.url}/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    const meBody = (await me.json()) as { data: { organisation: { org_code: string } } };
    assert.equal(meBody.data.organisation.org_code, SANDBOX_CREDENTIALS.org_code);
    const accounts = await fetch(`${sandbox.url}/v1/accounts`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const accountsBody = (await accounts.json()) as { data: { id: string; balance: string }[] };
    assert.equal(accountsBody.data[0]?.id, SANDBOX_ACCOUNT_ID);
    assert.match(accountsBody.data[0]?.balance ?? "", /^\d+\.\d{2}$/);
  });

  it("rejects a malformed purchase with 400 and a response_message", async () => {
    const result = await post(
      "/v1/purchases/validate",
      purchaseBody({ beneficiary_phone_number: "+26771436390" }),
    );
    assert.equal(result.status, 400);
    assert.match(String(result.body.response_message), /beneficiary_phone_number/);
    const badAmount = await post("/v1/purchases/validate", purchaseBody({ amount: "10.123" }));
    assert.equal(badAmount.status, 400);
    const badJson = await post("/v1/purchases/validate", "{not json");
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body.response_code, "INVALID_JSON");
  });

  it("rejects well-formed purchases it will not sell with 422", async () => {
    const wrongProvider = await post("/v1/purchases/validate", purchaseBody({ provider_code: "WUC" }));
    assert.equal(wrongProvider.status, 422);
    const wrongCurrency = await post("/v1/purchases/validate", purchaseBody({ currency: "NGN" }));
    assert.equal(wrongCurrency.status, 422);
    const shortMeter = await post("/v1/purchases/validate", purchaseBody({ subscriber_identifier: "0404" }));
    assert.equal(shortMeter.status, 422);
    const notAirtimeNumber = await post(
      "/v1/purchases/validate",
      purchaseBody({
        product_type: "AIRTIME",
        provider_code: "MASCOM",
        subscriber_identifier: "26761234567",
      }),
    );
    assert.equal(notAirtimeNumber.status, 422);
  });

  it("returns the Transaction envelope with exact amounts", async () => {
    const result = await post("/v1/purchases/validate", purchaseBody({ amount: 50.5 }));
    assert.equal(result.status, 200);
    const data = result.body.data as Record<string, unknown>;
    assert.equal(data.status, "VALIDATED");
    assert.deepEqual(data.subscriber_details, { name: "John Smith" });
    assert.equal(data.amount, "50.50");
    assert.equal(data.charge, "3.00");
    assert.equal(data.net, "50.50");
    assert.equal(data.total, "53.50");
    assert.equal(data.product, null);
    const inclusive = await post("/v1/purchases/validate", purchaseBody({ charges_on_top_flag: false }));
    const inclusiveData = inclusive.body.data as Record<string, unknown>;
    assert.equal(inclusiveData.total, "100.00");
    assert.equal(inclusiveData.net, "97.00");
  });

  it("refuses a second confirm of the same external_reference and counts both", async () => {
    const body = purchaseBody();
    const first = await post("/v1/purchases/confirm", body);
    assert.equal(first.status, 200);
    const second = await post("/v1/purchases/confirm", body);
    assert.equal(second.status, 409);
    assert.equal(second.body.response_code, "DUPLICATE_REFERENCE");
    assert.equal(sandbox.stats.confirms.get(body.external_reference), 2);
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
