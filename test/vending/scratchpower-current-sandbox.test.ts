// The Current API sandbox's wire contract, spoken to directly over HTTP (the client tests cover the journeys).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  CURRENT_SANDBOX_ACCOUNT_ID,
  CURRENT_SANDBOX_CREDENTIALS,
  type CurrentSandboxHandle,
  startScratchPowerCurrentSandbox,
} from "../../src/vending/sandbox/scratchpower-current.js";

describe("ScratchPower Current API sandbox wire format", () => {
  let sandbox: CurrentSandboxHandle;
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
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  const post = (path: string, body: unknown, bearer?: string | null) => call("POST", path, body, bearer);

  const login = (overrides: Record<string, unknown> = {}) =>
    post(
      "/auth/login",
      {
        client_id: CURRENT_SANDBOX_CREDENTIALS.client_id,
        client_secret: CURRENT_SANDBOX_CREDENTIALS.client_secret,
        grant_type: "password",
        identifier: CURRENT_SANDBOX_CREDENTIALS.username,
        secret_pass: CURRENT_SANDBOX_CREDENTIALS.password,
        org_code: CURRENT_SANDBOX_CREDENTIALS.org_code,
        source_channel: "USSD",
        ...overrides,
      },
      null,
    );

  function topup(meter: string, overrides: Record<string, unknown> = {}) {
    return {
      source_channel: "USSD",
      language: "en-BW",
      meter_number: meter,
      amount: "100.00",
      currency: "BWP",
      debited_account_id: CURRENT_SANDBOX_ACCOUNT_ID,
      beneficiary_phone_number: "26771436390",
      charges_on_top_flag: true,
      external_reference: randomUUID(),
      send_sms_notification: false,
      send_email_notification: false,
      notify_beneficiary: false,
      ...overrides,
    };
  }

  function assertErrorBody(answer: { status: number; body: Record<string, unknown> }, code: string) {
    assert.equal(answer.status, 200, "business errors come back as HTTP 200");
    assert.equal(answer.body.response_code, code);
    assert.equal(typeof answer.body.response_message, "string");
    assert.equal(typeof answer.body.timestamp, "string");
    assert.ok("developer_message" in answer.body);
    assert.ok(Array.isArray(answer.body.errors));
  }

  before(async () => {
    sandbox = await startScratchPowerCurrentSandbox({ confirmHangMs: 60_000 });
    token = String((await login()).body.access_token);
  });

  after(async () => {
    await sandbox.close();
  });

  beforeEach(() => sandbox.resetStats());

  it("refuses wrong credentials with HTTP 200 and code 40", async () => {
    assertErrorBody(await login({ secret_pass: "wrong" }), "40");
  });

  it("has the gateway answer 401 to a missing Bearer token", async () => {
    const answer = await post("/api/topup/validate", topup("04040404040"), null);
    assert.equal(answer.status, 401);
    assert.equal(sandbox.stats.unauthorized, 1);
  });

  it("lists the debit account in /auth/me", async () => {
    const me = await call("GET", "/auth/me");
    assert.equal(me.body.response_code, "00");
    assert.deepEqual(
      (me.body.accounts as { account_id: string }[]).map((account) => account.account_id),
      [CURRENT_SANDBOX_ACCOUNT_ID],
    );
  });

  it("validates John Smith with meter_details and the charge on top", async () => {
    const answer = await post("/api/topup/validate", topup("04040404040"));
    assert.equal(answer.status, 200);
    assert.equal(answer.body.response_code, "00");
    assert.equal((answer.body.meter_details as { customer_name: string }).customer_name, "John Smith");
    assert.equal(answer.body.total, "103.00");
  });

  it("answers a blocked meter with HTTP 200, code 15 and the vendor's message", async () => {
    const answer = await post("/api/topup/validate", topup("04040404011"));
    assertErrorBody(answer, "15");
    assert.equal(answer.body.response_message, "Meter 04040404011 is blocked. Contact BPC.");
  });

  it("names the bad fields of a malformed payload (code 12)", async () => {
    const answer = await post("/api/topup/validate", topup("04040404040", { amount: "1.234" }));
    assertErrorBody(answer, "12");
    assert.deepEqual(
      (answer.body.errors as { field: string }[]).map((error) => error.field),
      ["amount"],
    );
  });

  it("sells with a top-level token and electricity_units", async () => {
    const answer = await post("/api/topup/confirm", topup("04040404040"));
    assert.equal(answer.body.response_code, "00");
    assert.equal(answer.body.token, "0404 0404 0400 0000 0081");
    assert.equal(answer.body.electricity_units, "8.1");
  });

  it("answers insufficient funds on confirm with HTTP 200 and code 51", async () => {
    assertErrorBody(await post("/api/topup/confirm", topup("04040404044")), "51");
  });

  it("answers '00' without token for 04040404055, and retry then says it failed (05)", async () => {
    const request = topup("04040404055");
    const confirm = await post("/api/topup/confirm", request);
    assert.equal(confirm.body.response_code, "00");
    assert.equal(confirm.body.token, null);
    const retry = await post("/api/topup/retry", {
      source_channel: "USSD",
      language: "en-BW",
      meter_number: "04040404055",
      external_reference: request.external_reference,
      send_sms_notification: false,
      send_email_notification: false,
      notify_beneficiary: false,
    });
    assertErrorBody(retry, "05");
  });

  it("refuses a second confirm of one reference (26) and counts both", async () => {
    const request = topup("04040404040");
    await post("/api/topup/confirm", request);
    assertErrorBody(await post("/api/topup/confirm", request), "26");
    assert.equal(sandbox.stats.confirms.get(request.external_reference), 2);
    assert.equal(sandbox.stats.duplicateConfirms, 1);
  });

  it("accepts SMS_MO as source channel and records it", async () => {
    const request = topup("04040404040", { source_channel: "SMS_MO" });
    assert.equal((await post("/api/topup/confirm", request)).body.response_code, "00");
    assert.equal(sandbox.stats.confirmChannels.get(request.external_reference), "SMS_MO");
  });

  it("counts requests that ask for a notification, a left-out flag meaning yes", async () => {
    await post("/api/topup/validate", topup("04040404040"));
    assert.equal(sandbox.stats.notifyingRequests, 0);
    await post("/api/topup/validate", topup("04040404040", { send_sms_notification: true }));
    const { notify_beneficiary: _left, ...withoutOneFlag } = topup("04040404040");
    await post("/api/topup/validate", withoutOneFlag);
    assert.equal(sandbox.stats.notifyingRequests, 2);
  });
});
