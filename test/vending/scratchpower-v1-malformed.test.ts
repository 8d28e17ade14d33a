// A misbehaving vendor (a tiny HTTP double, not the sandbox): odd bodies and statuses must become
// VendorErrors of the right kind, never crashes or raw text on a handset.

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { VendorError } from "../../src/vending/vendor.js";
import { clientFor, electricity, thrownBy } from "./scratchpower-fixtures.js";

type Reply = { status: number; body: string };

describe("ScratchPower v1 client against a misbehaving vendor", () => {
  let server: Server;
  let url: string;
  const replies = new Map<string, Reply>();

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const login = { access_token: "t", access_in: 3600, refresh_token: "r" };
        const accounts = { data: [{ id: "A1", balance: "10.00", currency: "BWP" }] };
        const fixed: Record<string, Reply> = {
          "/v1/auth/login": { status: 200, body: JSON.stringify(login) },
          "/v1/accounts": { status: 200, body: JSON.stringify(accounts) },
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

  async function errorOf(action: () => Promise<unknown>): Promise<VendorError> {
    const error = await thrownBy(action);
    assert.ok(error instanceof VendorError, `expected a VendorError, got ${String(error)}`);
    return error;
  }

  it("treats a validate body of the wrong shape as unavailable", async () => {
    replies.set("/v1/purchases/validate", { status: 200, body: JSON.stringify({ data: { total: "x" } }) });
    const error = await errorOf(() => clientFor(url).quote(electricity("01234567890")));
    assert.equal(error.kind, "unavailable");
  });

  it("treats a 5xx validate as unavailable", async () => {
    replies.set("/v1/purchases/validate", { status: 503, body: "<html>down</html>" });
    const error = await errorOf(() => clientFor(url).quote(electricity("01234567890")));
    assert.equal(error.kind, "unavailable");
    assert.doesNotMatch(error.customerMessage, /html/);
  });

  it("treats an unparseable confirm body as ambiguous", async () => {
    replies.set("/v1/purchases/confirm", { status: 200, body: "<html>ok?</html>" });
    const error = await errorOf(() => clientFor(url).buy(electricity("01234567890")));
    assert.equal(error.kind, "ambiguous");
  });

  it("treats a 4xx confirm without a readable reason as refused (nothing bought), with a plain message", async () => {
    replies.set("/v1/purchases/confirm", { status: 400, body: "Bad Gateway-ish" });
    const error = await errorOf(() => clientFor(url).buy(electricity("01234567890")));
    assert.equal(error.kind, "rejected");
    assert.equal(error.customerMessage, "The provider declined the request.");
  });

  it("treats a 409 confirm as ambiguous: an earlier confirm with this reference may have sold", async () => {
    replies.set("/v1/purchases/confirm", { status: 409, body: "" });
    const error = await errorOf(() => clientFor(url).buy(electricity("01234567890")));
    assert.equal(error.kind, "ambiguous");
  });

  it("treats a 502 confirm as ambiguous", async () => {
    replies.set("/v1/purchases/confirm", { status: 502, body: "" });
    const error = await errorOf(() => clientFor(url).buy(electricity("01234567890")));
    assert.equal(error.kind, "ambiguous");
  });

  it("keeps retry ambiguous on 5xx, PENDING and unreadable bodies; a 400 is a definite failure", async () => {
    replies.set("/v1/purchases/retry", { status: 500, body: "" });
    assert.equal((await errorOf(() => clientFor(url).resolve(electricity("01234567890")))).kind, "ambiguous");
    replies.set("/v1/purchases/retry", { status: 200, body: JSON.stringify({ status: "PENDING" }) });
    assert.equal((await errorOf(() => clientFor(url).resolve(electricity("01234567890")))).kind, "ambiguous");
    replies.set("/v1/purchases/retry", { status: 200, body: '{"status": "SUCCESSFUL", "product": {"tok' });
    assert.equal((await errorOf(() => clientFor(url).resolve(electricity("01234567890")))).kind, "ambiguous");
    replies.set("/v1/purchases/retry", {
      status: 400,
      body: JSON.stringify({ response_code: "VALIDATION_ERROR", response_message: "bad request" }),
    });
    const resolution = await clientFor(url).resolve(electricity("01234567890"));
    assert.equal(resolution.status, "FAILED");
  });

  it("shows a short human message instead of a technical vendor reason", async () => {
    const reason = JSON.stringify({ stack: "Error: boom\n    at handler (/srv/app.js:1:1)" });
    replies.set("/v1/purchases/validate", {
      status: 422,
      body: JSON.stringify({ response_code: "X", response_message: reason }),
    });
    const error = await errorOf(() => clientFor(url).quote(electricity("01234567890")));
    assert.equal(error.kind, "rejected");
    assert.equal(error.customerMessage, "The provider declined the request.");
  });

  it("trims a long vendor reason to one SMS (160 characters)", async () => {
    const reason = `Meter cannot be used because ${"the account is under review ".repeat(10)}`;
    replies.set("/v1/purchases/validate", {
      status: 422,
      body: JSON.stringify({ response_code: "X", response_message: reason }),
    });
    const error = await errorOf(() => clientFor(url).quote(electricity("01234567890")));
    assert.ok(error.customerMessage.length <= 160);
    assert.ok(error.customerMessage.startsWith("Meter cannot be used because"));
  });

  it("skips an unreadable product but keeps the others", async () => {
    const good = {
      product_type: "ELECTRICITY",
      display_name: "Electricity",
      subscriber_id_label: "Meter number",
      subscriber_id_min_length: 11,
      subscriber_id_max_length: 11,
      subscriber_id_pattern: null,
      subscriber_id_hint: null,
      providers: [{ code: "BPC", name: "BPC" }],
    };
    replies.set("/v1/vas-products", {
      status: 200,
      body: JSON.stringify({ data: [good, { product_type: 1 }] }),
    });
    const products = await clientFor(url).products();
    assert.equal(products.length, 1);
    assert.equal(products[0]?.subscriberPattern, "");
  });
});
