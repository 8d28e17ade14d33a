// A misbehaving Current API (a tiny HTTP double, not the sandbox): since its errors arrive as HTTP 200,
// every odd 200 body must be read as an error or as "not known", never as a success or a crash.

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger } from "../../src/log.js";
import { ScratchPowerCurrentClient } from "../../src/vending/scratchpower-current.js";
import { VendorError } from "../../src/vending/vendor.js";
import { electricity, sandboxCredentials, thrownBy } from "./scratchpower-fixtures.js";

type Reply = { status: number; body: string };

const currentClientFor = (baseUrl: string) =>
  new ScratchPowerCurrentClient({ baseUrl, credentials: sandboxCredentials, logger: createLogger("silent") });

const METER = "01234567890";

function saleBody(externalReference: string, overrides: Record<string, unknown> = {}) {
  return {
    response_code: "00",
    response_message: "Transaction successful.",
    external_reference: externalReference,
    meter_number: METER,
    meter_details: { customer_name: "Test Customer" },
    amount: "100.00",
    charge: "3.00",
    total: "103.00",
    currency: "BWP",
    transaction_reference: "T1",
    token: "1111 2222 3333 4444 5555",
    electricity_units: 8.1,
    ...overrides,
  };
}

describe("ScratchPower Current API client against a misbehaving vendor", () => {
  let server: Server;
  let url: string;
  const replies = new Map<string, Reply>();

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const login = { access_token: "t", access_in: 3600, refresh_token: "r" };
        const me = {
          response_code: "00",
          accounts: [{ account_id: "A1", balance: "10.00", currency: "BWP" }],
        };
        const fixed: Record<string, Reply> = {
          "/auth/login": { status: 200, body: JSON.stringify(login) },
          "/auth/me": { status: 200, body: JSON.stringify(me) },
        };
        const reply = replies.get(req.url ?? "") ?? fixed[req.url ?? ""] ?? { status: 404, body: "" };
        res.writeHead(reply.status, { "content-type": "application/json" }).end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => replies.clear());

  const reply = (path: string, body: unknown, status = 200) =>
    replies.set(path, { status, body: typeof body === "string" ? body : JSON.stringify(body) });

  async function errorOf(action: () => Promise<unknown>): Promise<VendorError> {
    const error = await thrownBy(action);
    assert.ok(error instanceof VendorError, `expected a VendorError, got ${String(error)}`);
    return error;
  }

  describe("confirm", () => {
    const ambiguousBodies: [string, (ref: string) => unknown, number?][] = [
      ["'00' with nothing else", () => ({ response_code: "00" })],
      ["no response_code", (ref) => ({ ...saleBody(ref), response_code: undefined })],
      ["a non-JSON body", () => "<html>OK</html>"],
      ["'00' with an empty token", (ref) => saleBody(ref, { token: "  " })],
      ["'00' with token null", (ref) => saleBody(ref, { token: null, electricity_units: null })],
      ["'00' about another reference", () => saleBody("SOMEONE-ELSE")],
      ["'00' about another meter", (ref) => saleBody(ref, { meter_number: "09999999999" })],
      ["an error code it does not know", () => ({ response_code: "77", response_message: "Odd." })],
      ["'09' in progress", () => ({ response_code: "09", response_message: "Processing." })],
      ["'91' utility timeout", () => ({ response_code: "91", response_message: "Timeout." })],
      ["an error code without message", () => ({ response_code: "51" })],
      ["HTTP 503", () => "<html>down</html>", 503],
      ["HTTP 400", () => ({ response_code: "12", response_message: "Bad." }), 400],
    ];
    for (const [what, body, status] of ambiguousBodies) {
      it(`reads ${what} as ambiguous`, async () => {
        const request = electricity(METER);
        reply("/api/topup/confirm", body(request.externalReference), status);
        const error = await errorOf(() => currentClientFor(url).buy(request));
        assert.equal(error.kind, "ambiguous");
      });
    }

    it("reads an error code as the error even when the body also carries a token", async () => {
      const request = electricity(METER);
      reply("/api/topup/confirm", {
        ...saleBody(request.externalReference),
        response_code: "51",
        response_message: "Insufficient funds.",
      });
      const error = await errorOf(() => currentClientFor(url).buy(request));
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "Insufficient funds.");
    });

    it("accepts a full '00' body with units as a number", async () => {
      const request = electricity(METER);
      reply("/api/topup/confirm", saleBody(request.externalReference));
      const sale = await currentClientFor(url).buy(request);
      assert.deepEqual(sale, { vendorReference: "T1", token: "1111 2222 3333 4444 5555", units: "8.1 kWh" });
    });
  });

  describe("validate", () => {
    it("never shows a technical response_message to the customer", async () => {
      reply("/api/topup/validate", {
        response_code: "05",
        response_message: '{"error":"NullPointerException"}',
      });
      const error = await errorOf(() => currentClientFor(url).quote(electricity(METER)));
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "The provider declined the request.");
    });

    it("reads a system error code as unavailable, so the customer may try again", async () => {
      reply("/api/topup/validate", { response_code: "96", response_message: "System error." });
      const error = await errorOf(() => currentClientFor(url).quote(electricity(METER)));
      assert.equal(error.kind, "unavailable");
    });

    it("reads a '00' body of the wrong shape as unavailable", async () => {
      reply("/api/topup/validate", { response_code: "00", meter_number: METER, total: "x" });
      const error = await errorOf(() => currentClientFor(url).quote(electricity(METER)));
      assert.equal(error.kind, "unavailable");
      assert.equal(error.customerMessage, "The provider sent an unexpected answer, please try again later.");
    });
  });

  describe("retry", () => {
    const stillUnknown: [string, (ref: string) => unknown][] = [
      ["'00' without token", (ref) => saleBody(ref, { token: null })],
      [
        "'12' invalid request (says nothing about the purchase)",
        () => ({ response_code: "12", response_message: "Bad." }),
      ],
      ["an unknown code", () => ({ response_code: "77", response_message: "Odd." })],
      ["no response_code", () => ({ status: "FAILED" })],
    ];
    for (const [what, body] of stillUnknown) {
      it(`keeps the outcome unknown on ${what}`, async () => {
        const request = electricity(METER);
        reply("/api/topup/retry", body(request.externalReference));
        const error = await errorOf(() => currentClientFor(url).resolve(request));
        assert.equal(error.kind, "ambiguous");
      });
    }

    it("reads '25' (no such transaction) as FAILED", async () => {
      reply("/api/topup/retry", { response_code: "25", response_message: "No such transaction." });
      const resolution = await currentClientFor(url).resolve(electricity(METER));
      assert.deepEqual(resolution, { status: "FAILED", reason: "No such transaction." });
    });
  });
});
