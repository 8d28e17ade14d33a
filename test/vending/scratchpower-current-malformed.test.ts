// The Current API client against a misbehaving vendor, over real HTTP. Every odd answer is built from the
// document's own example bodies (test/fixtures/vendor-docs/scratchpower-current.ts) by changing only what
// the test names, so what stays is exactly what the document shows. Since the vendor's errors arrive as
// HTTP 200, an odd body must be read as an error or as "not known", never as a sale, and never as a crash.

import assert from "node:assert/strict";
import { createLogger } from "../../src/log.js";
import { ScratchPowerCurrentClient } from "../../src/vending/scratchpower-current.js";
import { parseVendorJson } from "../../src/vending/tolerant-json.js";
import { type PurchaseRequest, VendorError } from "../../src/vending/vendor.js";
import {
  CONFIRM_MULTI_TOKEN,
  VALIDATE_ERROR_810,
  VALIDATE_SUCCESS,
} from "../fixtures/vendor-docs/scratchpower-current.js";
import { LOGIN } from "../fixtures/vendor-docs/scratchpower-v1.js";
import { type GoldenAnswer, type GoldenServer, startGoldenServer } from "../helpers/golden-server.js";
import { sandboxCredentials, thrownBy } from "./scratchpower-fixtures.js";

type Body = Record<string, unknown>;

/** A documented body with some fields changed (for answers the document does not print). */
function derived(text: string, change: (body: Body) => void): string {
  const body = parseVendorJson(text) as Body;
  change(body);
  return JSON.stringify(body);
}

/** The document's error body with another message and code (the codes are opaque). */
const errorBody = (message: string, code: unknown = "851") =>
  derived(VALIDATE_ERROR_810, (body) => {
    body.response_code = code;
    body.response_message = message;
  });

const ok = (body: string): GoldenAnswer => ({ body });
const HTML_ERROR_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
const html = (status: number): GoldenAnswer => ({ status, body: HTML_ERROR_PAGE, contentType: "text/html" });

// The Current API document shows no login or /auth/me body: the login is getting-started's (the same
// exchange), and `accounts[].id` is the field table's, with the example's account 2.
const STANDARD: Record<string, GoldenAnswer> = {
  "POST /auth/login": ok(LOGIN),
  "GET /auth/me": ok('{"accounts": [{"id": 2, "balance": "BWP 1,250,000.50"}]}'),
  "POST /api/topup/validate": ok(VALIDATE_SUCCESS),
  "POST /api/topup/confirm": ok(CONFIRM_MULTI_TOKEN),
  "POST /api/topup/retry": ok(CONFIRM_MULTI_TOKEN),
};

/** A purchase for the meter of the document's example (validate 04040404040, confirm 04040404198). */
function purchase(meter: string): PurchaseRequest {
  return {
    productType: "ELECTRICITY",
    providerCode: "BPC",
    subscriberId: meter,
    amount: "100.00",
    beneficiaryPhone: "26771436390",
    externalReference: "00000008",
    sourceChannel: "USSD",
  };
}
const quoted = () => purchase("04040404040");
const sold = () => purchase("04040404198");

describe("ScratchPower Current API client against a misbehaving vendor", () => {
  let server: GoldenServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A vendor answering the document's bodies, except `path` (e.g. "POST /api/topup/confirm"). */
  async function vendorWith(path: string, answer: GoldenAnswer | GoldenAnswer[]) {
    server = await startGoldenServer({ ...STANDARD, [path]: answer });
    return new ScratchPowerCurrentClient({
      baseUrl: server.url,
      credentials: sandboxCredentials,
      locale: "en-BW",
      currency: "BWP",
      timeoutMs: 1000,
      confirmTimeoutMs: 300,
      logger: createLogger("silent"),
    });
  }

  async function errorOf(action: () => Promise<unknown>): Promise<VendorError> {
    const error = await thrownBy(action);
    assert.ok(error instanceof VendorError, `expected a VendorError, got ${String(error)}`);
    return error;
  }

  const confirmsSent = () => server?.calls("/api/topup/confirm").length;

  describe("validate (quote)", () => {
    const unreadable: [string, GoldenAnswer][] = [
      ["an HTML page with HTTP 200", { body: HTML_ERROR_PAGE, contentType: "text/html" }],
      ["truncated JSON", ok(VALIDATE_SUCCESS.slice(0, 300))],
      ["an empty body", ok("")],
      ["JSON null", ok("null")],
      [
        "meter_details as an object",
        ok(derived(VALIDATE_SUCCESS, (body) => (body.meter_details = { customer_name: "John Smith" }))),
      ],
      ["total as a boolean", ok(derived(VALIDATE_SUCCESS, (body) => (body.total = true)))],
      ["money in another currency", ok(derived(VALIDATE_SUCCESS, (body) => (body.total = "USD 100.00")))],
      ["no charge", ok(derived(VALIDATE_SUCCESS, (body) => delete body.charge))],
      [
        "an answer about another meter",
        ok(derived(VALIDATE_SUCCESS, (body) => (body.meter_number = "04040404099"))),
      ],
    ];
    for (const [what, answer] of unreadable) {
      it(`reads ${what} as unavailable, with the 'unexpected answer' message`, async () => {
        const client = await vendorWith("POST /api/topup/validate", answer);
        const error = await errorOf(() => client.quote(quoted()));
        assert.equal(error.kind, "unavailable");
        assert.equal(
          error.customerMessage,
          "The provider sent an unexpected answer, please try again later.",
        );
      });
    }

    it("reads an HTML 502 page as unavailable, the provider having a problem", async () => {
      const client = await vendorWith("POST /api/topup/validate", html(502));
      const error = await errorOf(() => client.quote(quoted()));
      assert.equal(error.kind, "unavailable");
      assert.equal(error.customerMessage, "The provider has a problem, please try again later.");
    });

    it("reads an error body with a numeric response_code as a refusal with the vendor's reason", async () => {
      const client = await vendorWith("POST /api/topup/validate", ok(errorBody("Meter not found.", 404)));
      const error = await errorOf(() => client.quote(quoted()));
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "Meter not found.");
      assert.equal(error.refusedInput, undefined, "an opaque code never names the input");
    });

    it("never shows a technical response_message to the customer", async () => {
      const client = await vendorWith(
        "POST /api/topup/validate",
        ok(errorBody('{"error":"NullPointerException"}')),
      );
      const error = await errorOf(() => client.quote(quoted()));
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "The provider declined the request.");
    });

    it("shortens a reason longer than one SMS", async () => {
      const client = await vendorWith(
        "POST /api/topup/validate",
        ok(errorBody(`Refused. ${"Please ".repeat(40)}`)),
      );
      const error = await errorOf(() => client.quote(quoted()));
      assert.equal(error.kind, "rejected");
      assert.ok(error.customerMessage.length <= 160, error.customerMessage);
      assert.match(error.customerMessage, /^Refused\. Please .*\.\.\.$/);
    });

    it("logs in again and asks once more after a 401 (validate changes nothing)", async () => {
      const client = await vendorWith("POST /api/topup/validate", [
        { status: 401, body: "" },
        ok(VALIDATE_SUCCESS),
      ]);
      const quote = await client.quote(quoted());
      assert.equal(quote.customerName, "John Smith");
      assert.equal(server?.calls("/auth/login").length, 2);
    });
  });

  describe("confirm (buy)", () => {
    const unknown: [string, GoldenAnswer][] = [
      ["an HTML page with HTTP 200", { body: HTML_ERROR_PAGE, contentType: "text/html" }],
      ["an HTML 502 page", html(502)],
      ["HTTP 500 with an empty body", { status: 500, body: "" }],
      ["HTTP 503 with the document's sale body", { status: 503, body: CONFIRM_MULTI_TOKEN }],
      ["HTTP 408", { status: 408, body: "" }],
      ["HTTP 409 (an earlier confirm of this reference may have sold)", { status: 409, body: "" }],
      ["HTTP 429", { status: 429, body: "" }],
      ["truncated JSON", ok(CONFIRM_MULTI_TOKEN.slice(0, 400))],
      ["an empty body", ok("")],
      ["a JSON array", ok("[]")],
      ["a success without token", ok(derived(CONFIRM_MULTI_TOKEN, (body) => delete body.token))],
      ["a blank token", ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.token = "   ")))],
      ["token null", ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.token = null)))],
      ["token as a number", ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.token = 4040404019)))],
      ["status PENDING", ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.status = "PENDING")))],
      ["status ON_GOING", ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.status = "ON_GOING")))],
      ["no status", ok(derived(CONFIRM_MULTI_TOKEN, (body) => delete body.status))],
      ["status as a number", ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.status = 1)))],
      [
        "a sale of another meter",
        ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.meter_number = "04040404040"))),
      ],
      ["the validate body (no sale at all)", ok(VALIDATE_SUCCESS)],
      ["no answer before the deadline", { body: CONFIRM_MULTI_TOKEN, delayMs: 2000 }],
    ];
    for (const [what, answer] of unknown) {
      it(`reads ${what} as ambiguous, the confirm sent once`, async () => {
        const client = await vendorWith("POST /api/topup/confirm", answer);
        const error = await errorOf(() => client.buy(sold()));
        assert.equal(error.kind, "ambiguous");
        assert.equal(error.customerMessage, "We are checking your purchase and will send the result by SMS.");
        assert.equal(confirmsSent(), 1);
      });
    }

    it("reads an error body as a definite refusal with the vendor's reason, the confirm sent once", async () => {
      const client = await vendorWith(
        "POST /api/topup/confirm",
        ok(errorBody("Insufficient funds to complete this purchase.")),
      );
      const error = await errorOf(() => client.buy(sold()));
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "Insufficient funds to complete this purchase.");
      assert.equal(confirmsSent(), 1);
    });

    it("reads an error body as the answer even when it also carries a token", async () => {
      const client = await vendorWith(
        "POST /api/topup/confirm",
        ok(
          derived(CONFIRM_MULTI_TOKEN, (body) => {
            body.response_code = "851";
            body.response_message = "Insufficient funds.";
          }),
        ),
      );
      const error = await errorOf(() => client.buy(sold()));
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "Insufficient funds.");
    });

    it("reads an error body without a usable message as a refusal with the generic reason", async () => {
      const client = await vendorWith(
        "POST /api/topup/confirm",
        ok(derived(VALIDATE_ERROR_810, (body) => delete body.response_message)),
      );
      const error = await errorOf(() => client.buy(sold()));
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "The provider declined the request.");
    });

    it("reads status FAILED as not sold", async () => {
      const client = await vendorWith(
        "POST /api/topup/confirm",
        ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.status = "FAILED"))),
      );
      const error = await errorOf(() => client.buy(sold()));
      assert.equal(error.kind, "rejected");
    });

    it("reads an HTML 400 page as not sold", async () => {
      const client = await vendorWith("POST /api/topup/confirm", html(400));
      const error = await errorOf(() => client.buy(sold()));
      assert.equal(error.kind, "rejected");
      assert.equal(confirmsSent(), 1);
    });

    it("sends a confirm refused with 401 exactly once: nothing bought, no second login first", async () => {
      const client = await vendorWith("POST /api/topup/confirm", { status: 401, body: "" });
      const error = await errorOf(() => client.buy(sold()));
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "The service is unavailable, please try again later.");
      assert.equal(confirmsSent(), 1);
      assert.equal(server?.calls("/auth/login").length, 1);
      // The refused token is not used again: the next call logs in afresh.
      await client.quote(quoted());
      assert.equal(server?.calls("/auth/login").length, 2);
    });

    it("reads electricity_units given as a bare number as kWh", async () => {
      const client = await vendorWith(
        "POST /api/topup/confirm",
        ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.electricity_units = 191.7))),
      );
      const sale = await client.buy(sold());
      assert.equal(sale.units, "191.7 kWh");
      assert.equal(sale.vendorReference, "TOP/2024/06/1871610006");
    });
  });

  describe("retry (resolve)", () => {
    const stillUnknown: [string, GoldenAnswer][] = [
      ["an HTML page with HTTP 200", { body: HTML_ERROR_PAGE, contentType: "text/html" }],
      ["an HTML 502 page", html(502)],
      ["HTTP 500 with an empty body", { status: 500, body: "" }],
      ["HTTP 408", { status: 408, body: "" }],
      ["HTTP 429", { status: 429, body: "" }],
      ["HTTP 401 even after a fresh login", { status: 401, body: "" }],
      ["truncated JSON", ok(CONFIRM_MULTI_TOKEN.slice(0, 400))],
      ["an empty body", ok("")],
      ["a success without token", ok(derived(CONFIRM_MULTI_TOKEN, (body) => delete body.token))],
      ["status PENDING", ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.status = "PENDING")))],
      ["status ON_GOING", ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.status = "ON_GOING")))],
      [
        "a sale of another meter",
        ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.meter_number = "04040404040"))),
      ],
      ["token as a number", ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.token = 4040404019)))],
    ];
    for (const [what, answer] of stillUnknown) {
      it(`keeps the outcome unknown on ${what}`, async () => {
        const client = await vendorWith("POST /api/topup/retry", answer);
        const error = await errorOf(() => client.resolve(sold()));
        assert.equal(error.kind, "ambiguous");
      });
    }

    it("reads an error body as FAILED with the vendor's reason", async () => {
      const client = await vendorWith("POST /api/topup/retry", ok(errorBody("No such transaction.", 825)));
      const resolution = await client.resolve(sold());
      assert.deepEqual(resolution, {
        status: "FAILED",
        failure: { cause: "declined", vendorReason: "No such transaction." },
      });
    });

    it("reads an HTML 400 page as FAILED", async () => {
      const client = await vendorWith("POST /api/topup/retry", html(400));
      const resolution = await client.resolve(sold());
      assert.deepEqual(resolution, { status: "FAILED", failure: { cause: "declined" } });
    });

    it("reads status FAILED as FAILED", async () => {
      const client = await vendorWith(
        "POST /api/topup/retry",
        ok(derived(CONFIRM_MULTI_TOKEN, (body) => (body.status = "FAILED"))),
      );
      assert.equal((await client.resolve(sold())).status, "FAILED");
    });

    it("sends no confirm while resolving", async () => {
      const client = await vendorWith("POST /api/topup/retry", html(502));
      await errorOf(() => client.resolve(sold()));
      assert.equal(confirmsSent(), 0);
      assert.equal(server?.calls("/api/topup/retry").length, 1);
    });
  });
});
