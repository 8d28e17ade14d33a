// The Powershop.ng client over real HTTP: against the built-in sandbox, and against a tiny misbehaving double.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger } from "../../src/log.js";
import { toCents } from "../../src/vending/cents.js";
import { localMobileNumber, PowershopClient, type PowershopOptions } from "../../src/vending/powershop.js";
import {
  POWERSHOP_SANDBOX_CREDENTIALS,
  type PowershopSandboxHandle,
  startPowershopSandbox,
} from "../../src/vending/sandbox/powershop.js";
import { type PurchaseRequest, VendorError } from "../../src/vending/vendor.js";

function clientFor(target: PowershopSandboxHandle | string, overrides: Partial<PowershopOptions> = {}) {
  return new PowershopClient({
    baseUrl: typeof target === "string" ? target : target.url,
    username: POWERSHOP_SANDBOX_CREDENTIALS.username,
    secret: POWERSHOP_SANDBOX_CREDENTIALS.secret,
    currency: "NGN",
    logger: createLogger("silent"),
    ...overrides,
  });
}

function electricity(meter: string, amount = "1000.00", disco = "AEDC"): PurchaseRequest {
  return {
    productType: "ELECTRICITY",
    providerCode: disco,
    subscriberId: meter,
    amount,
    beneficiaryPhone: "2348031234567",
    externalReference: randomUUID(),
    sourceChannel: "USSD",
  };
}

/** Quotes, then returns the request as the ledger hands it to buy and resolve: with the vendor's reference. */
async function quoted(client: PowershopClient, request: PurchaseRequest): Promise<PurchaseRequest> {
  const quote = await client.quote(request);
  return { ...request, amount: quote.amount, vendorQuoteReference: quote.vendorQuoteReference };
}

async function errorOf(action: () => Promise<unknown>): Promise<VendorError> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof VendorError, `expected a VendorError, got ${String(error)}`);
    return error;
  }
  throw new Error("expected the call to throw");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Powershop client against the sandbox", () => {
  let sandbox: PowershopSandboxHandle;
  let client: PowershopClient;

  before(async () => {
    sandbox = await startPowershopSandbox({ generationHangMs: 1500 });
    client = clientFor(sandbox, { timeoutMs: 1000, generationTimeoutMs: 300 });
  });

  after(async () => {
    await sandbox.close();
  });

  beforeEach(() => sandbox.resetStats());

  describe("tokens", () => {
    it("requests one token for many concurrent calls", async () => {
      const fresh = clientFor(sandbox);
      const quotes = await Promise.all(
        Array.from({ length: 20 }, () => fresh.quote(electricity("45700000001"))),
      );
      assert.equal(quotes.length, 20);
      assert.equal(sandbox.stats.tokenRequests, 1);
      assert.equal(sandbox.stats.validations, 20);
    });

    it("does not request a token before it is needed", async () => {
      const fresh = clientFor(sandbox);
      await fresh.products();
      assert.equal(sandbox.stats.tokenRequests, 0);
    });

    it("requests a new token exactly once when the vendor drops it mid-way (401)", async () => {
      const fresh = clientFor(sandbox);
      await fresh.quote(electricity("45700000001"));
      sandbox.revokeTokens();
      const quotes = await Promise.all(
        Array.from({ length: 10 }, () => fresh.quote(electricity("45700000001"))),
      );
      assert.equal(quotes.length, 10);
      assert.equal(sandbox.stats.tokenRequests, 2);
      assert.equal(sandbox.stats.unauthorized, 10);
    });

    it("answers refused credentials with a generic message and sends no generation", async () => {
      const wrong = clientFor(sandbox, { secret: "wrong" });
      const quoteError = await errorOf(() => wrong.quote(electricity("45700000001")));
      assert.equal(quoteError.kind, "unavailable");
      assert.equal(quoteError.customerMessage, "The service is unavailable, please try again later.");
      const buyError = await errorOf(() =>
        wrong.buy({ ...electricity("45700000001"), vendorQuoteReference: "PSN1" }),
      );
      assert.equal(buyError.kind, "rejected", "nothing can have been bought");
      assert.equal(sandbox.stats.generations.size, 0);
      assert.equal(sandbox.stats.failedTokenRequests, 2);
    });

    it("renews an expiring token before the vendor has to refuse it", async () => {
      const shortLived = await startPowershopSandbox({ tokenTtlSeconds: 1 });
      try {
        const fresh = clientFor(shortLived);
        await fresh.quote(electricity("45700000001"));
        await sleep(1100);
        const quotes = await Promise.all(
          Array.from({ length: 5 }, () => fresh.quote(electricity("45700000001"))),
        );
        assert.equal(quotes[0]?.customerName, "Aisha Bello");
        assert.equal(shortLived.stats.tokenRequests, 2, "one renewal shared by the concurrent callers");
        assert.equal(shortLived.stats.unauthorized, 0);
      } finally {
        await shortLived.close();
      }
    });
  });

  describe("products", () => {
    it("offers prepaid electricity with the discos as providers, without calling the vendor", async () => {
      assert.deepEqual(await client.products(), [
        {
          type: "ELECTRICITY",
          name: "Electricity",
          subscriberLabel: "Meter number",
          subscriberMinLength: 11,
          subscriberMaxLength: 13,
          subscriberPattern: "^[0-9]{11,13}$",
          subscriberHint: "The 11 to 13 digits on your prepaid meter",
          providers: [
            { code: "AEDC", name: "Abuja Electricity (AEDC)" },
            { code: "JED", name: "Jos Electricity (JED)" },
            { code: "KEDCO", name: "Kano Electricity (KEDCO)" },
          ],
          issuesToken: true,
          subscriberIsPhone: false,
        },
      ]);
      assert.equal(sandbox.stats.tokenRequests, 0);
    });
  });

  describe("quote", () => {
    it("returns the customer's name and the vendor's referenceNumber, with no charge", async () => {
      const quote = await client.quote(electricity("45700000001", "1500.5"));
      assert.equal(quote.customerName, "Aisha Bello");
      assert.match(quote.vendorQuoteReference ?? "", /^PSN\d+$/);
      assert.equal(quote.amount, "1500.50");
      assert.equal(quote.charge, "0.00");
      assert.equal(quote.total, "1500.50");
      assert.equal(quote.currency, "NGN");
    });

    it("quotes in every disco, for 11- and 13-digit meters", async () => {
      for (const disco of ["AEDC", "JED", "KEDCO"]) {
        const quote = await client.quote(electricity("0101570000022", "500", disco));
        assert.equal(quote.customerName, "Emeka Obi");
      }
    });

    it("re-asks the amount below the meter's minimum, stating the minimum in words (605)", async () => {
      const error = await errorOf(() => client.quote(electricity("45700001000", "999.99")));
      assert.equal(error.kind, "rejected");
      assert.equal(error.refusedInput, "amount");
      assert.equal(error.customerMessage, "The minimum purchase is NGN 1,000.00.");
      assert.doesNotMatch(error.customerMessage, /605/);
      const enough = await client.quote(electricity("45700001000", "1000"));
      assert.equal(enough.customerName, "Chinedu Okafor");
    });

    it("re-asks the meter number the vendor does not know (606)", async () => {
      const error = await errorOf(() => client.quote(electricity("45799999999")));
      assert.equal(error.kind, "rejected");
      assert.equal(error.refusedInput, "subscriber");
      assert.equal(error.customerMessage, "Meter number not found. Please check it and try again.");
    });

    it("reports the disco's network failure as unavailable (601)", async () => {
      const error = await errorOf(() => client.quote(electricity("45700000601")));
      assert.equal(error.kind, "unavailable");
      assert.equal(error.customerMessage, "The provider cannot be reached, please try again.");
    });

    it("refuses a disco Powershop does not serve without calling the vendor", async () => {
      const error = await errorOf(() => client.quote(electricity("45700000001", "1000", "BPC")));
      assert.equal(error.kind, "rejected");
      assert.equal(sandbox.stats.validations, 0);
    });

    it("sends the beneficiary in the local format: Nigerian 080…, others +<digits>", async () => {
      assert.equal(localMobileNumber("2348031234567"), "08031234567");
      assert.equal(localMobileNumber("08031234567"), "08031234567");
      assert.equal(localMobileNumber("26771436390"), "+26771436390");
      // The sandbox refuses any other shape, so these quotes prove the wire format.
      await client.quote({ ...electricity("45700000001"), beneficiaryPhone: "2349031234567" });
      await client.quote({ ...electricity("45700000001"), beneficiaryPhone: "26771436390" });
    });
  });

  describe("buy", () => {
    it("generates a single token with units, once", async () => {
      const request = await quoted(client, electricity("45700000001", "1000"));
      const sale = await client.buy(request);
      assert.equal(sale.token, "4570 0000 0010 0000 0001");
      assert.equal(sale.units, "4.4 kWh");
      assert.equal(sale.vendorReference, request.vendorQuoteReference);
      assert.equal(sandbox.stats.generations.get(request.vendorQuoteReference ?? ""), 1);
    });

    it("sends nothing without the quote's referenceNumber", async () => {
      const error = await errorOf(() => client.buy(electricity("45700000001")));
      assert.equal(error.kind, "rejected");
      assert.equal(sandbox.stats.generations.size, 0);
    });

    it("rejects on insufficient funds (600) in words", async () => {
      const request = await quoted(client, electricity("45700000600"));
      const error = await errorOf(() => client.buy(request));
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "The service cannot sell right now, please try again later.");
    });

    it("treats a network failure at generation (601) as ambiguous; status then says it failed", async () => {
      const request = await quoted(client, electricity("45700000611"));
      const error = await errorOf(() => client.buy(request));
      assert.equal(error.kind, "ambiguous");
      assert.equal((await client.resolve(request)).status, "FAILED");
    });

    it("refuses a second generation for one reference: the sandbox counts it, the client says ambiguous", async () => {
      const request = await quoted(client, electricity("45700000001"));
      const sale = await client.buy(request);
      const error = await errorOf(() => client.buy(request));
      assert.equal(error.kind, "ambiguous");
      assert.equal(sandbox.stats.generations.get(request.vendorQuoteReference ?? ""), 2);
      assert.equal(sandbox.stats.duplicateGenerations, 1);
      assert.deepEqual(await client.resolve(request), { status: "SUCCESSFUL", sale });
    });
  });

  describe("ambiguous generations and the status request", () => {
    it("turns a hanging generation into ambiguous, then status finds the token; one generation sent", async () => {
      const request = await quoted(client, electricity("0101570000022"));
      const error = await errorOf(() => client.buy(request));
      assert.equal(error.kind, "ambiguous");
      const resolution = await client.resolve(request);
      assert.equal(resolution.status, "SUCCESSFUL");
      assert.equal(resolution.status === "SUCCESSFUL" && resolution.sale.token, "0101 5700 0002 2000 0022");
      assert.equal(sandbox.stats.generations.get(request.vendorQuoteReference ?? ""), 1);
      assert.equal(sandbox.stats.statusRequests, 1);
    });

    it("resolves a hanging generation that failed as FAILED", async () => {
      const request = await quoted(client, electricity("0101570000033"));
      assert.equal((await errorOf(() => client.buy(request))).kind, "ambiguous");
      const resolution = await client.resolve(request);
      assert.equal(resolution.status, "FAILED");
      assert.equal(resolution.status === "FAILED" && resolution.reason, "The provider declined the request.");
    });

    it("keeps a pending transaction ambiguous until the vendor knows", async () => {
      const request = await quoted(client, electricity("0101570000044"));
      assert.equal((await errorOf(() => client.buy(request))).kind, "ambiguous");
      assert.equal((await errorOf(() => client.resolve(request))).kind, "ambiguous");
      await sleep(1500);
      const resolution = await client.resolve(request);
      assert.equal(resolution.status === "SUCCESSFUL" && resolution.sale.token, "0101 5700 0004 4000 0044");
      assert.equal(sandbox.stats.generations.get(request.vendorQuoteReference ?? ""), 1);
    });

    it("resolves a validation that was never generated as FAILED (606)", async () => {
      const request = await quoted(client, electricity("45700000001"));
      assert.deepEqual(await client.resolve(request), {
        status: "FAILED",
        reason: "The provider declined the request.",
      });
    });

    it("stays ambiguous when it has no referenceNumber to ask about", async () => {
      const error = await errorOf(() => client.resolve(electricity("45700000001")));
      assert.equal(error.kind, "ambiguous");
      assert.equal(sandbox.stats.statusRequests, 0);
    });
  });

  describe("codes as numbers and as strings", () => {
    async function raw(path: string, body: unknown): Promise<{ code: unknown }> {
      const auth = await fetch(`${sandbox.url}/v1/merchant/auth/token/request`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(POWERSHOP_SANDBOX_CREDENTIALS),
      });
      const { data } = (await auth.json()) as { data: { token: string } };
      const response = await fetch(`${sandbox.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${data.token}` },
        body: JSON.stringify(body),
      });
      return (await response.json()) as { code: unknown };
    }

    it("reads the number 0 (validation, status) and the string '00' (generation) alike", async () => {
      const request = await quoted(client, electricity("45700000001"));
      const sale = await client.buy(request);
      assert.equal((await client.resolve(request)).status, "SUCCESSFUL");
      assert.ok(sale.token);
      // What the sandbox sent for each of those calls:
      const validation = await raw("/v1/merchant/meter/validation/request", {
        meterNumber: "45700000001",
        meterType: "prepaid",
        mobileNumber: "08031234567",
        amount: 1000,
        merchantReference: randomUUID(),
        disco: "aedc",
      });
      assert.equal(validation.code, 0);
      const referenceNumber = (validation as { data?: { referenceNumber?: string } }).data?.referenceNumber;
      const generation = await raw("/v1/merchant/token/generation/request", {
        referenceNumber,
        amount: 1000,
      });
      assert.equal(generation.code, "00");
      const status = await raw("/v1/merchant/transaction/status/request", { referenceNumber, disco: "aedc" });
      assert.equal(status.code, 0);
    });
  });

  describe("balance", () => {
    it("reads the wallet and goes down by the amount after a sale", async () => {
      const before = await client.balance();
      await client.buy(await quoted(client, electricity("45700000001", "1000")));
      const after = await client.balance();
      assert.equal(after.accountId, "PSW-SANDBOX-0001");
      assert.equal(after.currency, "NGN");
      assert.equal((toCents(before.balance ?? "") ?? 0) - (toCents(after.balance ?? "") ?? 0), 100_000);
    });
  });

  describe("unreachable vendor", () => {
    it("reports quotes as unavailable and buys as rejected (the generation never left)", async () => {
      const closed = await startPowershopSandbox();
      const url = closed.url;
      await closed.close();
      const offline = clientFor(url, { timeoutMs: 500 });
      const quoteError = await errorOf(() => offline.quote(electricity("45700000001")));
      assert.equal(quoteError.kind, "unavailable");
      assert.equal(quoteError.customerMessage, "The provider cannot be reached, please try again.");
      const buyError = await errorOf(() =>
        offline.buy({ ...electricity("45700000001"), vendorQuoteReference: "PSN1" }),
      );
      assert.equal(buyError.kind, "rejected");
    });
  });
});

type Reply = { status: number; body: string };

describe("Powershop client against a misbehaving vendor", () => {
  let server: Server;
  let url: string;
  const replies = new Map<string, Reply>();
  const request = { ...electricity("45700000001"), vendorQuoteReference: "PSN1" };

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        // The vendor's own example style: a bare `00` is not JSON, so a real body carries "00" or 0.
        const token = { code: "00", message: "ok", data: { token: "t", expires_in: "3600" } };
        const fixed: Record<string, Reply> = {
          "/v1/merchant/auth/token/request": { status: 200, body: JSON.stringify(token) },
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

  const generation = "/v1/merchant/token/generation/request";
  const validation = "/v1/merchant/meter/validation/request";
  const status = "/v1/merchant/transaction/status/request";

  it("reads codes written '0', '00', 0 and ' 600 '", async () => {
    for (const code of ["0", "00", 0]) {
      replies.set(validation, {
        status: 200,
        body: JSON.stringify({ code, data: { referenceNumber: 12345, customerName: "A B", amount: "1000" } }),
      });
      const quote = await clientFor(url).quote(request);
      assert.equal(quote.vendorQuoteReference, "12345", `code ${JSON.stringify(code)}`);
    }
    replies.set(generation, { status: 200, body: JSON.stringify({ code: " 600 ", message: "no float" }) });
    assert.equal((await errorOf(() => clientFor(url).buy(request))).kind, "rejected");
  });

  it("treats a 5xx, an unreadable body or an unreadable success as ambiguous on generation", async () => {
    for (const reply of [
      { status: 502, body: JSON.stringify({ code: 0 }) },
      { status: 200, body: "<html>gateway</html>" },
      { status: 200, body: JSON.stringify({ code: "00", data: { units: "1 kWh" } }) },
      { status: 200, body: JSON.stringify({ code: "abc" }) },
    ]) {
      replies.set(generation, reply);
      const error = await errorOf(() => clientFor(url).buy(request));
      assert.equal(error.kind, "ambiguous", reply.body);
    }
  });

  it("treats a validation it cannot read as unavailable", async () => {
    replies.set(validation, { status: 200, body: JSON.stringify({ code: 0, data: {} }) });
    assert.equal((await errorOf(() => clientFor(url).quote(request))).kind, "unavailable");
    replies.set(validation, { status: 500, body: "" });
    assert.equal((await errorOf(() => clientFor(url).quote(request))).kind, "unavailable");
  });

  it("keeps asking when the status is successful without a token, or unknown", async () => {
    for (const body of [
      { code: 0, data: { status: "SUCCESSFUL" } },
      { code: 0, data: { status: "PROCESSING" } },
      { code: "601", message: "network" },
    ]) {
      replies.set(status, { status: 200, body: JSON.stringify(body) });
      assert.equal((await errorOf(() => clientFor(url).resolve(request))).kind, "ambiguous");
    }
  });
});
