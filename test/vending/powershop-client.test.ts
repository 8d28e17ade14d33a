// The Powershop.ng client over real HTTP: against the built-in sandbox (the document's shapes, every test
// meter's scenario), and against a golden-body double answering what the document leaves open.

import assert from "node:assert/strict";
import { toCents } from "../../machines/purchase/money.js";
import { createLogger } from "../../src/log.js";
import { localMobileNumber, PowershopClient, type PowershopOptions } from "../../src/vending/powershop.js";
import {
  POWERSHOP_SANDBOX_CREDENTIALS,
  type PowershopSandboxHandle,
  startPowershopSandbox,
} from "../../src/vending/sandbox/powershop.js";
import { type PurchaseRequest, VendorError } from "../../src/vending/vendor.js";
import * as doc from "../fixtures/vendor-docs/powershop-ng-api.js";
import { type GoldenAnswer, type GoldenServer, startGoldenServer } from "../helpers/golden-server.js";

/** A status 606 counts as "nothing sold" this long after a first one (production default: 60 s). */
const SETTLE_MS = 200;

function clientFor(target: PowershopSandboxHandle | string, overrides: Partial<PowershopOptions> = {}) {
  return new PowershopClient({
    baseUrl: typeof target === "string" ? target : target.url,
    username: POWERSHOP_SANDBOX_CREDENTIALS.username,
    secret: POWERSHOP_SANDBOX_CREDENTIALS.secret,
    currency: "NGN",
    notFoundSettleMs: SETTLE_MS,
    logger: createLogger("silent"),
    ...overrides,
  });
}

let references = 0;

function electricity(meter: string, amount = "1000.00", disco = "AEDC"): PurchaseRequest {
  references += 1;
  return {
    productType: "ELECTRICITY",
    providerCode: disco,
    subscriberId: meter,
    amount,
    beneficiaryPhone: "2348031234567",
    externalReference: `REF${String(references).padStart(7, "0")}`,
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

/** Resolves as the background resolver would: asks, and asks again after the settle time while unknown. */
async function resolvedAfterSettling(client: PowershopClient, request: PurchaseRequest) {
  const first = await errorOf(() => client.resolve(request));
  assert.equal(first.kind, "ambiguous", "a first 606 is never final");
  await sleep(SETTLE_MS + 50);
  return client.resolve(request);
}

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

    it("renews an expiring token (expires_in) before the vendor has to refuse it", async () => {
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

  describe("quote (meter validation)", () => {
    it("returns the customer's name, both vendor references, and no charge", async () => {
      const quote = await client.quote(electricity("45700000001", "1500.5"));
      assert.equal(quote.customerName, "Aisha Bello");
      assert.match(quote.vendorQuoteReference ?? "", /^[0-9a-f-]{36}$/);
      assert.match(quote.vendorTransactionId ?? "", /^[0-9a-f-]{36}$/);
      assert.notEqual(quote.vendorQuoteReference, quote.vendorTransactionId);
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

    it("re-asks an amount under the meter's minimumPurchase, in words, before any quote; never raises it", async () => {
      const error = await errorOf(() => client.quote(electricity("45700001000", "999.99")));
      assert.equal(error.kind, "rejected");
      assert.equal(error.refusedInput, "amount");
      assert.equal(error.customerMessage, "The minimum purchase is NGN 1,000.00.");
      const enough = await client.quote(electricity("45700001000", "1000"));
      assert.equal(enough.total, "1000.00");
      assert.equal(sandbox.stats.generations.size, 0);
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

  describe("buy (token generation)", () => {
    it("generates a single token, once, sending the amount as a string", async () => {
      const request = await quoted(client, electricity("45700000001", "1000"));
      const sale = await client.buy(request);
      assert.deepEqual(sale, {
        vendorReference: request.vendorQuoteReference,
        token: "4570 0000 0010 0000 0001",
      });
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

    it("treats 601 at generation as ambiguous; status resolves it as not sold only after settling", async () => {
      const request = await quoted(client, electricity("45700000611"));
      assert.equal((await errorOf(() => client.buy(request))).kind, "ambiguous");
      assert.deepEqual(await resolvedAfterSettling(client, request), {
        status: "FAILED",
        failure: { cause: "declined" },
      });
      assert.equal(sandbox.stats.generations.get(request.vendorQuoteReference ?? ""), 1);
    });

    it("sends a generation once even when it is refused 401, and leaves it to the status request", async () => {
      const fresh = clientFor(sandbox);
      const request = await quoted(fresh, electricity("45700000001"));
      sandbox.revokeTokens();
      assert.equal((await errorOf(() => fresh.buy(request))).kind, "ambiguous");
      assert.equal(sandbox.stats.unauthorized, 1);
      assert.equal(sandbox.stats.generations.size, 0, "never sent again with a new token");
      // The status request gets a new token; nothing was generated, so it settles as not sold.
      const resolution = await resolvedAfterSettling(fresh, request);
      assert.equal(resolution.status, "FAILED");
      assert.equal(sandbox.stats.generations.size, 0);
    });

    it("never sends a generation twice: a second buy's 409 is ambiguous, and status finds the first sale", async () => {
      const request = await quoted(client, electricity("45700000001"));
      const sale = await client.buy(request);
      const error = await errorOf(() => client.buy(request));
      assert.equal(error.kind, "ambiguous");
      assert.equal(sandbox.stats.duplicateGenerations, 1);
      const resolution = await client.resolve(request);
      assert.equal(resolution.status === "SUCCESSFUL" && resolution.sale.token, sale.token);
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

    it("resolves a hanging generation that failed as not sold: two 606s, the settle time apart", async () => {
      const request = await quoted(client, electricity("0101570000033"));
      assert.equal((await errorOf(() => client.buy(request))).kind, "ambiguous");
      const again = await errorOf(() => client.resolve(request));
      assert.equal(again.kind, "ambiguous", "a second 606 too soon is not final either");
      assert.deepEqual(await resolvedAfterSettling(client, request), {
        status: "FAILED",
        failure: { cause: "declined" },
      });
      assert.equal(sandbox.stats.statusRequests, 3);
    });

    it("never reads a 606 as final while this process is still sending the generation", async () => {
      const slow = clientFor(sandbox, { generationTimeoutMs: 1000, notFoundSettleMs: 1 });
      const request = await quoted(slow, electricity("0101570000033"));
      const buying = errorOf(() => slow.buy(request));
      await sleep(100);
      for (let i = 0; i < 3; i++) {
        assert.equal((await errorOf(() => slow.resolve(request))).kind, "ambiguous");
        await sleep(20);
      }
      assert.equal(sandbox.stats.statusRequests, 0, "not even asked while the generation is out");
      assert.equal((await buying).kind, "ambiguous");
      // Only 606s seen after the generation ended count.
      assert.equal((await errorOf(() => slow.resolve(request))).kind, "ambiguous");
      await sleep(10);
      assert.equal((await slow.resolve(request)).status, "FAILED");
    });

    it("keeps a transaction without a token (code 00) ambiguous until the vendor has it", async () => {
      const request = await quoted(client, electricity("0101570000044"));
      assert.equal((await errorOf(() => client.buy(request))).kind, "ambiguous");
      assert.equal((await errorOf(() => client.resolve(request))).kind, "ambiguous");
      await sleep(1500);
      const resolution = await client.resolve(request);
      assert.equal(resolution.status === "SUCCESSFUL" && resolution.sale.token, "0101 5700 0004 4000 0044");
      assert.equal(sandbox.stats.generations.get(request.vendorQuoteReference ?? ""), 1);
    });

    it("stays ambiguous when it has no referenceNumber to ask about", async () => {
      const error = await errorOf(() => client.resolve(electricity("45700000001")));
      assert.equal(error.kind, "ambiguous");
      assert.equal(sandbox.stats.statusRequests, 0);
    });
  });

  describe("balance", () => {
    it("reads the wallet's data.amount, which goes down by the amount after a sale", async () => {
      const before = await client.balance();
      await client.buy(await quoted(client, electricity("45700000001", "1000")));
      const after = await client.balance();
      assert.equal(after.accountId, POWERSHOP_SANDBOX_CREDENTIALS.username);
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

describe("Powershop client on answers the document leaves open", () => {
  let vendor: GoldenServer;
  const replies = new Map<string, GoldenAnswer>();
  const request = { ...electricity("45700000001"), vendorQuoteReference: "PSN1" };
  const generation = "/v1/merchant/token/generation/request";
  const validation = "/v1/merchant/meter/validation/request";
  const status = "/v1/merchant/transaction/status/request";
  const tokenPath = "/v1/merchant/auth/token/request";

  before(async () => {
    vendor = await startGoldenServer((call) => {
      const reply = replies.get(call.path);
      if (reply) return reply;
      return call.path === tokenPath ? { body: doc.TOKEN_RESPONSE } : undefined;
    });
  });

  after(async () => {
    await vendor.close();
  });

  beforeEach(() => replies.clear());

  const envelope = (fields: Record<string, unknown>) => ({ body: JSON.stringify(fields) });

  it("reads codes written 00, '0', '00', 0 and ' 600 '", async () => {
    for (const code of ["00", '"0"', '"00"', "0"]) {
      replies.set(validation, {
        body: `{"status": "Success", "code": ${code}, "data": {"referenceNumber": 12345, "customerName": "A B"}}`,
      });
      const quote = await clientFor(vendor.url).quote(request);
      assert.equal(quote.vendorQuoteReference, "12345", `code ${code}`);
    }
    replies.set(generation, envelope({ status: "Failed", description: "no float", code: " 600 " }));
    assert.equal((await errorOf(() => clientFor(vendor.url).buy(request))).kind, "rejected");
  });

  it("acts on no answer whose status contradicts its code", async () => {
    replies.set(validation, envelope({ status: "Failed", code: 0, data: { referenceNumber: "1" } }));
    assert.equal((await errorOf(() => clientFor(vendor.url).quote(request))).kind, "unavailable");
    replies.set(generation, envelope({ status: "Success", code: 600 }));
    assert.equal((await errorOf(() => clientFor(vendor.url).buy(request))).kind, "ambiguous");
    replies.set(generation, envelope({ status: "Failed", code: 0, data: { token: "1234" } }));
    assert.equal((await errorOf(() => clientFor(vendor.url).buy(request))).kind, "ambiguous");
    replies.set(status, envelope({ status: "Pending", code: 0, data: { token: "1234" } }));
    assert.equal((await errorOf(() => clientFor(vendor.url).resolve(request))).kind, "ambiguous");
  });

  it("treats a 5xx, an unreadable or truncated body, or a success without a token as ambiguous on generation", async () => {
    const truncated = doc.GENERATION_RESPONSE.slice(0, doc.GENERATION_RESPONSE.indexOf('"token"') + 12);
    for (const reply of [
      { status: 502, body: doc.GENERATION_RESPONSE },
      { body: "<html>gateway</html>" },
      { body: truncated },
      envelope({ status: "Success", code: "00", data: { referenceNumber: "PSN1" } }),
      envelope({ code: "abc" }),
    ]) {
      replies.set(generation, reply);
      const error = await errorOf(() => clientFor(vendor.url).buy(request));
      assert.equal(error.kind, "ambiguous", reply.body);
    }
  });

  it("refuses a generation definitely only for 600, 605 and 606", async () => {
    for (const [code, message] of [
      [600, "The service cannot sell right now, please try again later."],
      [605, "The amount is below the minimum purchase, please enter more."],
      [606, "The provider declined the request."],
    ] as const) {
      replies.set(generation, envelope({ status: "Failed", description: "x", code }));
      const error = await errorOf(() => clientFor(vendor.url).buy(request));
      assert.deepEqual([error.kind, error.customerMessage], ["rejected", message], String(code));
    }
    replies.set(generation, envelope({ status: "Failed", description: "network", code: 601 }));
    assert.equal((await errorOf(() => clientFor(vendor.url).buy(request))).kind, "ambiguous");
  });

  it("treats a validation it cannot read as unavailable", async () => {
    replies.set(validation, envelope({ status: "Success", code: 0, data: {} }));
    assert.equal((await errorOf(() => clientFor(vendor.url).quote(request))).kind, "unavailable");
    replies.set(validation, { status: 500, body: "" });
    assert.equal((await errorOf(() => clientFor(vendor.url).quote(request))).kind, "unavailable");
  });

  it("keeps asking while the status has no token, or a code other than 00 and 606", async () => {
    for (const body of [
      envelope({ status: "Success", code: 0, data: { referenceNumber: "PSN1", amount: "1000" } }),
      envelope({ status: "Success", code: 0, data: { token: "" } }),
      envelope({ status: "Success", code: 0 }),
      envelope({ status: "Failed", code: 601 }),
      envelope({ status: "Failed", code: 600 }),
    ]) {
      replies.set(status, body);
      assert.equal(
        (await errorOf(() => clientFor(vendor.url).resolve(request))).kind,
        "ambiguous",
        body.body,
      );
    }
  });

  it("refuses a token answer without access_token, or one that is not a Bearer token", async () => {
    const client = (answer: GoldenAnswer) => {
      replies.set(tokenPath, answer);
      return clientFor(vendor.url);
    };
    for (const answer of [
      // The shape this client once invented: the document's is top-level.
      envelope({ code: "00", data: { token: "t", expires_in: 3600 } }),
      envelope({ access_token: "t", token_type: "MAC", expires_in: 3600 }),
      envelope({ access_token: "t", token_type: "Bearer" }),
      { status: 401, body: "" },
    ]) {
      const error = await errorOf(() => client(answer).quote(request));
      assert.equal(error.kind, "unavailable", answer.body);
      assert.doesNotMatch(error.customerMessage, /token|401|[{}]/, answer.body);
    }
  });
});
