// The Current API sandbox's wire contract, spoken to directly over HTTP (the client tests cover the journeys):
// its answers have the shapes of the document's example bodies (test/fixtures/vendor-docs), and it holds
// requests to the document's field table.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  CURRENT_SANDBOX_ACCOUNT_ID,
  CURRENT_SANDBOX_CREDENTIALS,
  type CurrentSandboxHandle,
  startScratchPowerCurrentSandbox,
} from "../../src/vending/sandbox/scratchpower-current.js";
import { parseVendorJson } from "../../src/vending/tolerant-json.js";
import {
  CONFIRM_MULTI_TOKEN,
  VALIDATE_ERROR_810,
  VALIDATE_SUCCESS,
} from "../fixtures/vendor-docs/scratchpower-current.js";

type Body = Record<string, unknown>;

/** Each top-level key with the `typeof` of its value (null as "null"), sorted: what "same shape" compares. */
function shapeOf(body: unknown): [string, string][] {
  assert.ok(typeof body === "object" && body !== null && !Array.isArray(body), "not a JSON object");
  return Object.entries(body)
    .map(([key, value]): [string, string] => [key, value === null ? "null" : typeof value])
    .sort(([a], [b]) => a.localeCompare(b));
}

const documented = (text: string) => parseVendorJson(text) as Body;

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
    return { status: response.status, body: (await response.json()) as Body };
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

  /** The document's validate/confirm request example, for one of the sandbox's meters. */
  function topup(meter: string, overrides: Record<string, unknown> = {}) {
    return {
      amount: 100,
      beneficiary_phone_number: "26771436390",
      charges_on_top_flag: true,
      comment: "This is a comment.",
      currency: "BWP",
      date: "2024-06-18 04:10:59",
      debited_account_id: CURRENT_SANDBOX_ACCOUNT_ID,
      external_reference: randomUUID(),
      hard_validate: false,
      language: "en-BW",
      meter_number: meter,
      send_beneficiary_email: false,
      send_beneficiary_sms: false,
      send_requester_email: false,
      send_requester_sms: false,
      source_channel: "USSD",
      source_tag: "SPWMM",
      ...overrides,
    };
  }

  /** The document's retry request example, for a confirm sent with `request`. */
  const retryOf = (request: ReturnType<typeof topup>) => ({
    date: "2024-06-18 04:10:59",
    external_reference: request.external_reference,
    language: "en-BW",
    meter_number: request.meter_number,
    source_channel: "USSD",
    source_tag: "SPWMM",
  });

  /** The document's error body, as HTTP 200: every business refusal looks like this. */
  function assertErrorBody(answer: { status: number; body: Body }) {
    assert.equal(answer.status, 200, "business errors come back as HTTP 200");
    assert.deepEqual(shapeOf(answer.body), shapeOf(documented(VALIDATE_ERROR_810)));
    assert.deepEqual(answer.body.errors, {});
  }

  before(async () => {
    sandbox = await startScratchPowerCurrentSandbox({ confirmHangMs: 60_000 });
    token = String((await login()).body.access_token);
  });

  after(async () => {
    await sandbox.close();
  });

  beforeEach(() => sandbox.resetStats());

  describe("answers in the document's shapes", () => {
    it("validates with the keys and value types of the document's validate success (top level)", async () => {
      const answer = await post("/api/topup/validate", topup("04040404040"));
      assert.equal(answer.status, 200);
      // The document elides some members of `operator` and `requester` ("..."): only the top level compares.
      assert.deepEqual(shapeOf(answer.body), shapeOf(documented(VALIDATE_SUCCESS)));
      assert.equal(answer.body.response_code, undefined, "a success carries no response_code");
    });

    it("refuses a validation with the keys and value types of the document's error body", async () => {
      const answer = await post("/api/topup/validate", topup("12345678901"));
      assertErrorBody(answer);
      assert.equal(answer.body.response_code, "810");
    });

    it("sells with the keys and value types of the document's confirm success, metadata included", async () => {
      const answer = await post("/api/topup/confirm", topup("04040404198"));
      assert.equal(answer.status, 200);
      const example = documented(CONFIRM_MULTI_TOKEN);
      assert.deepEqual(shapeOf(answer.body), shapeOf(example));
      assert.deepEqual(shapeOf(answer.body.metadata), shapeOf(example.metadata));
      assert.equal(answer.body.status, "SUCCESSFUL");
      assert.equal(answer.body.token, example.token, "the multi-token value as the document prints it");
    });
  });

  describe("auth", () => {
    it("refuses wrong credentials with HTTP 200 and the error body, no session", async () => {
      const answer = await login({ secret_pass: "wrong" });
      assertErrorBody(answer);
      assert.equal(answer.body.access_token, undefined);
      assert.equal(sandbox.stats.failedLogins, 1);
    });

    it("has the gateway answer 401 to a missing Bearer token", async () => {
      const answer = await post("/api/topup/validate", topup("04040404040"), null);
      assert.equal(answer.status, 401);
      assert.equal(sandbox.stats.unauthorized, 1);
      assert.equal(sandbox.stats.validates, 0);
    });

    it("lists the debit account as accounts[].id in /auth/me, with its balance", async () => {
      const me = await call("GET", "/auth/me");
      assert.equal(me.status, 200);
      const accounts = me.body.accounts as { id: unknown; balance: unknown }[];
      assert.deepEqual(
        accounts.map((account) => account.id),
        [CURRENT_SANDBOX_ACCOUNT_ID],
      );
      assert.match(String(accounts[0]?.balance), /^BWP \d+\.\d{2}$/);
    });
  });

  describe("validate", () => {
    it("validates John Smith: meter_details the name, money strings with the charge on top", async () => {
      const answer = await post("/api/topup/validate", topup("04040404040"));
      assert.equal(answer.body.meter_details, "John Smith");
      assert.equal(answer.body.meter_number, "04040404040");
      assert.equal(answer.body.status, "ON_GOING");
      assert.equal(answer.body.entry, "BWP 100.00");
      assert.equal(answer.body.charge, "BWP 3.00");
      assert.equal(answer.body.total, "BWP 103.00");
    });

    it("takes the charge out of the amount when charges_on_top_flag is false", async () => {
      const answer = await post("/api/topup/validate", topup("04040404040", { charges_on_top_flag: false }));
      assert.equal(answer.body.net, "BWP 97.00");
      assert.equal(answer.body.total, "BWP 100.00");
    });

    it("validates a 13-digit meter", async () => {
      const answer = await post("/api/topup/validate", topup("0404040404013"));
      assert.equal(answer.body.meter_details, "Mpho Sechele");
      assert.equal(answer.body.response_code, undefined);
    });

    it("answers the blocked meter 04040404011 with the document's own 810 error", async () => {
      const answer = await post("/api/topup/validate", topup("04040404011"));
      assertErrorBody(answer);
      const example = documented(VALIDATE_ERROR_810);
      assert.equal(answer.body.response_code, example.response_code);
      assert.equal(answer.body.response_message, example.response_message);
    });

    it("refuses an amount out of range with an 810 error", async () => {
      const answer = await post("/api/topup/validate", topup("04040404040", { amount: 20_000 }));
      assertErrorBody(answer);
      assert.equal(answer.body.response_code, "810");
      assert.match(String(answer.body.response_message), /amount must be between/);
    });
  });

  describe("holds requests to the document's field table", () => {
    const refused: [string, Record<string, unknown>, RegExp][] = [
      ["a string amount", { amount: "100.00" }, /amount/],
      [
        "a string debited_account_id",
        { debited_account_id: String(CURRENT_SANDBOX_ACCOUNT_ID) },
        /debited_account_id/,
      ],
      ["an ISO date", { date: "2024-06-18T04:10:59Z" }, /date/],
      ["a 12-digit meter", { meter_number: "040404040401" }, /meter_number/],
      ["an unknown source_channel", { source_channel: "APP" }, /source_channel/],
      ["a notification flag as a string", { send_beneficiary_sms: "false" }, /send_beneficiary_sms/],
    ];
    for (const [what, override, field] of refused) {
      it(`refuses ${what} on validate and on confirm, selling nothing`, async () => {
        const validate = await post("/api/topup/validate", topup("04040404040", override));
        assertErrorBody(validate);
        assert.match(String(validate.body.response_message), field);
        const request = topup("04040404040", override);
        const confirm = await post("/api/topup/confirm", request);
        assertErrorBody(confirm);
        assert.equal(confirm.body.token, undefined);
        assertErrorBody(await post("/api/topup/retry", retryOf(request)));
      });
    }
  });

  describe("confirm and retry", () => {
    it('sells John Smith: top-level token, electricity_units as "8.1kWh", a reference', async () => {
      const answer = await post("/api/topup/confirm", topup("04040404040"));
      assert.equal(answer.body.status, "SUCCESSFUL");
      assert.equal(answer.body.token, "0404 0404 0400 0000 0081");
      assert.equal(answer.body.electricity_units, "8.1kWh");
      assert.match(String(answer.body.reference), /^TOP\/\d{4}\/\d{2}\/\d+$/);
      assert.equal(answer.body.response_code, undefined);
    });

    it("sells a 13-digit meter", async () => {
      const answer = await post("/api/topup/confirm", topup("0404040404013"));
      assert.equal(answer.body.token, "0404 0404 0401 3000 0013");
      assert.equal(answer.body.meter_number, "0404040404013");
    });

    it("retry answers the original sale, token and reference unchanged", async () => {
      const request = topup("04040404198");
      const sold = await post("/api/topup/confirm", request);
      const retry = await post("/api/topup/retry", retryOf(request));
      assert.deepEqual(retry.body, sold.body);
      assert.equal(sandbox.stats.retries, 1);
    });

    it("retry of a reference it never saw answers the error body", async () => {
      assertErrorBody(await post("/api/topup/retry", retryOf(topup("04040404040"))));
    });

    it("answers insufficient funds on confirm with the error body; retry says the same", async () => {
      const request = topup("04040404044");
      const confirm = await post("/api/topup/confirm", request);
      assertErrorBody(confirm);
      assert.equal(confirm.body.response_message, "Insufficient funds to complete this purchase.");
      const retry = await post("/api/topup/retry", retryOf(request));
      assertErrorBody(retry);
      assert.equal(retry.body.response_message, confirm.body.response_message);
    });

    it("answers a SUCCESSFUL body without token for 04040404055, and retry then says it failed", async () => {
      const request = topup("04040404055");
      const confirm = await post("/api/topup/confirm", request);
      assert.equal(confirm.body.status, "SUCCESSFUL");
      assert.equal(confirm.body.response_code, undefined);
      assert.equal("token" in confirm.body, false);
      const retry = await post("/api/topup/retry", retryOf(request));
      assertErrorBody(retry);
      assert.match(String(retry.body.response_message), /not been charged/);
    });

    it("sells again on a second confirm of one reference (not idempotent, as documented), counting it", async () => {
      const balanceOf = async () => {
        const me = await call("GET", "/auth/me");
        const [account] = me.body.accounts as { balance: string }[];
        return Number(account?.balance.replace("BWP ", ""));
      };
      const before = await balanceOf();
      const request = topup("04040404040");
      const first = await post("/api/topup/confirm", request);
      const second = await post("/api/topup/confirm", request);
      assert.equal(second.body.status, "SUCCESSFUL");
      assert.notEqual(second.body.reference, first.body.reference, "a brand-new transaction");
      assert.equal(before - (await balanceOf()), 206, "debited twice");
      assert.equal(sandbox.stats.confirms.get(request.external_reference), 2);
      assert.equal(sandbox.stats.duplicateConfirms, 1);
    });

    it("accepts SMS_MO as source channel and records it", async () => {
      const request = topup("04040404040", { source_channel: "SMS_MO" });
      assert.equal((await post("/api/topup/confirm", request)).body.status, "SUCCESSFUL");
      assert.equal(sandbox.stats.confirmChannels.get(request.external_reference), "SMS_MO");
    });
  });

  it("counts validates and confirms that ask for a notification, a left-out flag meaning yes", async () => {
    await post("/api/topup/validate", topup("04040404040"));
    assert.equal(sandbox.stats.notifyingRequests, 0);
    await post("/api/topup/validate", topup("04040404040", { send_requester_email: true }));
    const { send_beneficiary_sms: _left, ...withoutOneFlag } = topup("04040404040");
    await post("/api/topup/confirm", withoutOneFlag);
    assert.equal(sandbox.stats.notifyingRequests, 2);
  });
});
