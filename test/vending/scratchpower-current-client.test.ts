import assert from "node:assert/strict";
import { toCents } from "../../machines/purchase/money.js";
import { createLogger } from "../../src/log.js";
import {
  type CurrentSandboxHandle,
  startScratchPowerCurrentSandbox,
} from "../../src/vending/sandbox/scratchpower-current.js";
import {
  ScratchPowerCurrentClient,
  type ScratchPowerCurrentOptions,
} from "../../src/vending/scratchpower-current.js";
import { VendorError } from "../../src/vending/vendor.js";
import { electricity, sandboxCredentials, sleep, thrownBy } from "./scratchpower-fixtures.js";

function currentClientFor(
  target: CurrentSandboxHandle | string,
  overrides: Partial<ScratchPowerCurrentOptions> = {},
): ScratchPowerCurrentClient {
  return new ScratchPowerCurrentClient({
    baseUrl: typeof target === "string" ? target : target.url,
    credentials: sandboxCredentials,
    locale: "en-BW",
    currency: "BWP",
    logger: createLogger("silent"),
    ...overrides,
  });
}

async function vendorErrorOf(action: () => Promise<unknown>): Promise<VendorError> {
  const error = await thrownBy(action);
  assert.ok(error instanceof VendorError, `expected a VendorError, got ${String(error)}`);
  return error;
}

describe("ScratchPower Current API client against its sandbox", () => {
  let sandbox: CurrentSandboxHandle;
  let client: ScratchPowerCurrentClient;

  before(async () => {
    sandbox = await startScratchPowerCurrentSandbox({ confirmHangMs: 1500 });
    client = currentClientFor(sandbox, { timeoutMs: 1000, confirmTimeoutMs: 300 });
  });

  after(async () => {
    await sandbox.close();
  });

  beforeEach(() => sandbox.resetStats());

  afterEach(() => {
    // Every request the client sent switched every vendor notification off (absent flags count as on).
    assert.equal(sandbox.stats.notifyingRequests, 0, "the vendor was asked to notify someone");
  });

  describe("sessions", () => {
    it("logs in once for many concurrent calls, and finds the debit account once in /auth/me", async () => {
      const fresh = currentClientFor(sandbox);
      const quotes = await Promise.all(
        Array.from({ length: 20 }, () => fresh.quote(electricity("04040404040"))),
      );
      assert.ok(quotes.every((quote) => quote.customerName === "John Smith"));
      assert.equal(sandbox.stats.logins, 1);
      assert.equal(sandbox.stats.meLookups, 1);
      assert.equal(sandbox.stats.validates, 20);
    });

    it("logs in again exactly once when the vendor drops the session (401)", async () => {
      const fresh = currentClientFor(sandbox);
      await fresh.quote(electricity("04040404040"));
      sandbox.revokeAccessTokens();
      const quotes = await Promise.all(
        Array.from({ length: 10 }, () => fresh.quote(electricity("04040404040"))),
      );
      assert.equal(quotes.length, 10);
      assert.equal(sandbox.stats.logins, 2);
      assert.equal(sandbox.stats.unauthorized, 10);
    });

    it("reads a login refused with an HTTP 200 error body as refused: generic message, no confirm sent", async () => {
      const refused = currentClientFor(sandbox, {
        credentials: { ...sandboxCredentials, password: "wrong" },
      });
      const quoteError = await vendorErrorOf(() => refused.quote(electricity("04040404040")));
      assert.equal(quoteError.kind, "unavailable");
      assert.equal(quoteError.customerMessage, "The service is unavailable, please try again later.");
      const buyError = await vendorErrorOf(() => refused.buy(electricity("04040404040")));
      assert.equal(buyError.kind, "rejected", "nothing can have been bought");
      assert.equal(sandbox.stats.confirms.size, 0);
      assert.equal(sandbox.stats.failedLogins, 2);
    });
  });

  describe("products", () => {
    it("offers electricity only, meters of 11 or 13 digits as documented, without asking the vendor", async () => {
      const products = await currentClientFor(sandbox).products();
      assert.deepEqual(products, [
        {
          type: "ELECTRICITY",
          name: "Electricity",
          subscriberLabel: "Meter number",
          subscriberMinLength: 11,
          subscriberMaxLength: 13,
          subscriberPattern: "^([0-9]{11}|[0-9]{13})$",
          subscriberHint: "11 or 13 digits",
          providers: [{ code: "BPC", name: "Botswana Power Corporation" }],
          issuesToken: true,
          subscriberIsPhone: false,
        },
      ]);
      assert.equal(sandbox.stats.logins, 0);
    });

    it("refuses anything but BPC electricity before sending it", async () => {
      const airtime = { ...electricity("26771234567"), productType: "AIRTIME", providerCode: "MASCOM" };
      const error = await vendorErrorOf(() => client.buy(airtime));
      assert.equal(error.kind, "rejected");
      assert.equal(sandbox.stats.confirms.size, 0);
    });
  });

  describe("quote", () => {
    it("quotes John Smith (from meter_details) with BWP 3.00 on top", async () => {
      const quote = await client.quote(electricity("04040404040", "100"));
      assert.deepEqual(quote, {
        customerName: "John Smith",
        amount: "100.00",
        charge: "3.00",
        total: "103.00",
        currency: "BWP",
      });
    });

    it("quotes a 13-digit meter", async () => {
      const quote = await client.quote(electricity("0404040404013", "100"));
      assert.equal(quote.customerName, "Mpho Sechele");
      assert.equal(quote.total, "103.00");
    });

    // The document's error body carries an opaque code only ("810" for any validation failure), so a refusal
    // never says which input was wrong: the customer is offered to change either.
    it("rejects a blocked meter (HTTP 200 error body) with the document's whole message", async () => {
      const error = await vendorErrorOf(() => client.quote(electricity("04040404011")));
      assert.equal(error.kind, "rejected");
      assert.equal(
        error.customerMessage,
        "Electricity recharge validation failed: 500 - Your meter number has been blocked and cannot purchase electricity. Please contact BPC.",
      );
      assert.equal(error.refusedInput, undefined);
    });

    it("rejects an unknown meter with the vendor's reason, not naming an input", async () => {
      const error = await vendorErrorOf(() => client.quote(electricity("12345678901")));
      assert.equal(error.kind, "rejected");
      assert.match(error.customerMessage, /Meter 12345678901 not found/);
      assert.equal(error.refusedInput, undefined);
    });

    it("rejects an amount out of the vendor's range with the vendor's reason, not naming an input", async () => {
      const error = await vendorErrorOf(() => client.quote(electricity("04040404040", "20000.00")));
      assert.equal(error.kind, "rejected");
      assert.match(error.customerMessage, /amount must be between BWP 1\.00 and 10000\.00/);
      assert.equal(error.refusedInput, undefined);
    });

    it("reports a validate slower than the client timeout as unavailable with the 'slow' message", async () => {
      const slow = currentClientFor(sandbox, { timeoutMs: 300 });
      await slow.balance(); // logged in and account known before the vendor slows down
      sandbox.setLatencyMs(600);
      try {
        const error = await vendorErrorOf(() => slow.quote(electricity("04040404040")));
        assert.equal(error.kind, "unavailable");
        assert.equal(error.customerMessage, "The provider is slow, please try again.");
      } finally {
        sandbox.setLatencyMs(0);
      }
    });
  });

  describe("buy", () => {
    it('sells John Smith a single token with units ("8.1kWh" shown as "8.1 kWh")', async () => {
      const request = electricity("04040404040", "100.00");
      const sale = await client.buy(request);
      assert.equal(sale.token, "0404 0404 0400 0000 0081");
      assert.equal(sale.units, "8.1 kWh");
      assert.match(sale.vendorReference ?? "", /^TOP\/\d{4}\/\d{2}\/\d+$/);
      assert.ok(sale.vendorTransactionId);
      assert.ok(sale.providerReference);
      assert.equal(sandbox.stats.confirms.get(request.externalReference), 1);
    });

    it("sells a 13-digit meter", async () => {
      const sale = await client.buy(electricity("0404040404013"));
      assert.equal(sale.token, "0404 0404 0401 3000 0013");
    });

    it("returns Simon Sais's three tokens in the vendor's order", async () => {
      const sale = await client.buy(electricity("04040404198"));
      assert.deepEqual(sale.token?.split("|"), [
        "KeyChange Token1: 8190 1047 0212 0545 2032",
        "KeyChange Token2: 8190 1047 0112 0545 2032",
        "Credit Token: 0404 0404 1980 0000 1917",
      ]);
    });

    it("sends the request's source channel (SMS_MO for SMS purchases)", async () => {
      const request = { ...electricity("04040404040"), sourceChannel: "SMS_MO" };
      await client.buy(request);
      assert.equal(sandbox.stats.confirmChannels.get(request.externalReference), "SMS_MO");
    });

    it("rejects insufficient funds (HTTP 200 error body) with the vendor's reason; retry agrees", async () => {
      const request = electricity("04040404044");
      const error = await vendorErrorOf(() => client.buy(request));
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "Insufficient funds to complete this purchase.");
      const resolution = await client.resolve(request);
      assert.equal(resolution.status, "FAILED");
    });
  });

  describe("ambiguous confirms and recovery", () => {
    it("turns a hanging confirm into ambiguous, then retry finds the original token; one confirm sent", async () => {
      const request = electricity("04040404022");
      const error = await vendorErrorOf(() => client.buy(request));
      assert.equal(error.kind, "ambiguous");
      const resolution = await client.resolve(request);
      assert.equal(resolution.status, "SUCCESSFUL");
      assert.equal(resolution.status === "SUCCESSFUL" && resolution.sale.token, "0404 0404 0220 0000 0022");
      assert.equal(sandbox.stats.confirms.get(request.externalReference), 1);
      assert.equal(sandbox.stats.retries, 1);
    });

    it("resolves a hanging confirm whose sale failed as FAILED", async () => {
      const request = electricity("04040404033");
      const error = await vendorErrorOf(() => client.buy(request));
      assert.equal(error.kind, "ambiguous");
      const resolution = await client.resolve(request);
      assert.equal(resolution.status, "FAILED");
      assert.match(
        resolution.status === "FAILED" ? (resolution.failure.vendorReason ?? "") : "",
        /could not complete/,
      );
    });

    it("never reports a SUCCESSFUL confirm without a token as bought: ambiguous, and retry says it failed", async () => {
      const request = electricity("04040404055");
      const error = await vendorErrorOf(() => client.buy(request));
      assert.equal(error.kind, "ambiguous");
      assert.equal(error.customerMessage, "We are checking your purchase and will send the result by SMS.");
      const resolution = await client.resolve(request);
      assert.equal(resolution.status, "FAILED");
      assert.match(
        resolution.status === "FAILED" ? (resolution.failure.vendorReason ?? "") : "",
        /not been charged/,
      );
      assert.equal(sandbox.stats.confirms.get(request.externalReference), 1);
    });

    it("resolves a reference the vendor never saw as FAILED", async () => {
      const resolution = await client.resolve(electricity("04040404040"));
      assert.equal(resolution.status, "FAILED");
    });

    it("resolves a completed sale as SUCCESSFUL with the same token", async () => {
      const request = electricity("04040404198");
      const sale = await client.buy(request);
      const resolution = await client.resolve(request);
      assert.deepEqual(resolution, { status: "SUCCESSFUL", sale });
    });

    it("sends a confirm refused with 401 once only: nothing bought, retry agrees, and the next buy logs in again", async () => {
      const fresh = currentClientFor(sandbox);
      await fresh.quote(electricity("04040404040")); // logged in and debit account known
      sandbox.revokeAccessTokens();
      const request = electricity("04040404040");
      const error = await vendorErrorOf(() => fresh.buy(request));
      assert.equal(error.kind, "rejected", "the gateway refused our token: nothing was bought");
      assert.equal(sandbox.stats.unauthorized, 1, "confirm was not sent a second time");
      assert.equal(sandbox.stats.confirms.size, 0);
      assert.equal((await fresh.resolve(request)).status, "FAILED");
      const sale = await fresh.buy(electricity("04040404040"));
      assert.equal(sale.token, "0404 0404 0400 0000 0081");
      assert.equal(sandbox.stats.logins, 2);
    });
  });

  describe("balance", () => {
    it("reads the debit account from /auth/me and goes down after a sale", async () => {
      const before = await client.balance();
      await client.buy(electricity("04040404040", "10.00"));
      const after = await client.balance();
      assert.equal(after.accountId, before.accountId);
      assert.equal(after.currency, "BWP");
      assert.equal((toCents(before.balance ?? "") ?? 0) - (toCents(after.balance ?? "") ?? 0), 1300);
    });
  });
});

describe("ScratchPower Current API sessions with short-lived tokens", () => {
  it("refreshes an expiring token once for concurrent callers", async () => {
    const sandbox = await startScratchPowerCurrentSandbox({ accessTtlSeconds: 1 });
    try {
      const client = currentClientFor(sandbox);
      await client.quote(electricity("04040404040"));
      await sleep(1100);
      const quotes = await Promise.all(
        Array.from({ length: 5 }, () => client.quote(electricity("04040404198"))),
      );
      assert.equal(quotes[0]?.customerName, "Simon Sais");
      assert.equal(sandbox.stats.logins, 1);
      assert.equal(sandbox.stats.refreshes, 1);
      assert.equal(sandbox.stats.unauthorized, 0);
    } finally {
      await sandbox.close();
    }
  });

  it("logs in again when the refresh is refused with an HTTP 200 error body", async () => {
    const sandbox = await startScratchPowerCurrentSandbox({ accessTtlSeconds: 1 });
    try {
      const client = currentClientFor(sandbox);
      await client.quote(electricity("04040404040"));
      sandbox.revokeRefreshTokens();
      await sleep(1100);
      const quote = await client.quote(electricity("04040404040"));
      assert.equal(quote.customerName, "John Smith");
      assert.equal(sandbox.stats.refreshes, 1);
      assert.equal(sandbox.stats.logins, 2);
    } finally {
      await sandbox.close();
    }
  });
});
