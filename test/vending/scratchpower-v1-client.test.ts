import assert from "node:assert/strict";
import { toCents } from "../../machines/purchase/money.js";
import { type SandboxHandle, startScratchPowerSandbox } from "../../src/vending/sandbox/scratchpower-v1.js";
import type { ScratchPowerV1Client } from "../../src/vending/scratchpower-v1.js";
import { VendorError } from "../../src/vending/vendor.js";
import { clientFor, electricity, purchase, thrownBy } from "./scratchpower-fixtures.js";

describe("ScratchPower v1 client against the sandbox", () => {
  let sandbox: SandboxHandle;
  let client: ScratchPowerV1Client;

  before(async () => {
    sandbox = await startScratchPowerSandbox({ confirmHangMs: 1500 });
    client = clientFor(sandbox, { timeoutMs: 1000, confirmTimeoutMs: 300 });
  });

  after(async () => {
    await sandbox.close();
  });

  beforeEach(() => sandbox.resetStats());

  describe("products", () => {
    it("maps the vendor's products, with airtime as a phone-number product without token", async () => {
      const products = await client.products();
      assert.deepEqual(
        products.map((product) => product.type),
        ["ELECTRICITY", "AIRTIME", "WATER"],
      );
      const [electricityProduct, airtime, water] = products;
      assert.deepEqual(electricityProduct, {
        type: "ELECTRICITY",
        name: "Electricity",
        subscriberLabel: "Meter Number",
        subscriberMinLength: 11,
        subscriberMaxLength: 13,
        subscriberPattern: "^[0-9]{11,13}$",
        subscriberHint: "11-13 digits",
        providers: [{ code: "BPC", name: "Botswana Power Corporation" }],
        issuesToken: true,
        subscriberIsPhone: false,
      });
      assert.equal(airtime?.issuesToken, false);
      assert.equal(airtime?.subscriberIsPhone, true);
      assert.deepEqual(
        airtime?.providers.map((provider) => provider.code),
        ["MASCOM", "ORANGE", "BTC"],
      );
      assert.equal(water?.issuesToken, true);
      assert.deepEqual(water?.providers, [{ code: "WUC", name: "Water Utilities Corporation" }]);
    });

    it("shares one fetch between concurrent callers and reuses it within the TTL", async () => {
      const fresh = clientFor(sandbox);
      const lists = await Promise.all(Array.from({ length: 10 }, () => fresh.products()));
      await fresh.products();
      assert.equal(sandbox.stats.productLists, 1);
      assert.ok(lists.every((list) => list.length === 3));
    });

    it("fetches again once the TTL has passed", async () => {
      const shortLived = clientFor(sandbox, { productsTtlMs: 1 });
      await shortLived.products();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await shortLived.products();
      assert.equal(sandbox.stats.productLists, 2);
    });
  });

  describe("quote", () => {
    it("quotes John Smith with BWP 3.00 on top", async () => {
      const quote = await client.quote(electricity("04040404040", "100"));
      assert.equal(quote.customerName, "John Smith");
      assert.equal(quote.amount, "100.00");
      assert.equal(quote.charge, "3.00");
      assert.equal(quote.currency, "BWP");
      assert.equal(toCents(quote.total), (toCents(quote.amount) ?? 0) + 300);
      assert.equal(quote.total, "103.00");
    });

    it("keeps cents exact", async () => {
      const quote = await client.quote(electricity("04040404040", "100.1"));
      assert.equal(quote.amount, "100.10");
      assert.equal(quote.total, "103.10");
    });

    it("rejects a blocked meter with the vendor's reason", async () => {
      const error = await thrownBy(() => client.quote(electricity("04040404011")));
      assert.ok(error instanceof VendorError);
      assert.equal(error.kind, "rejected");
      assert.equal(error.customerMessage, "Meter 04040404011 is blocked. Contact BPC.");
    });

    it("rejects an unknown meter as not found", async () => {
      const error = await thrownBy(() => client.quote(electricity("12345678901")));
      assert.ok(error instanceof VendorError);
      assert.equal(error.kind, "rejected");
      assert.match(error.customerMessage, /not found/);
    });

    it("reports a validate slower than the client timeout as unavailable with the 'slow' message", async () => {
      await client.products(); // logged in before the vendor slows down
      sandbox.setLatencyMs(1500);
      try {
        const error = await thrownBy(() => client.quote(electricity("04040404040")));
        assert.ok(error instanceof VendorError);
        assert.equal(error.kind, "unavailable");
        assert.equal(error.customerMessage, "The provider is slow, please try again.");
      } finally {
        sandbox.setLatencyMs(0);
      }
    });
  });

  describe("buy", () => {
    it("sells John Smith a single token with units", async () => {
      const sale = await client.buy(electricity("04040404040", "100.00"));
      assert.equal(sale.token, "0404 0404 0400 0000 0081");
      assert.equal(sale.units, "8.1 kWh");
      assert.ok(sale.vendorReference);
    });

    it("returns Simon Sais's three tokens in the vendor's order", async () => {
      const sale = await client.buy(electricity("04040404198"));
      assert.deepEqual(sale.token?.split("|"), [
        "KeyChange Token1: 8190 1047 0212 0545 2032",
        "KeyChange Token2: 8190 1047 0112 0545 2032",
        "Credit Token: 0404 0404 1980 0000 1917",
      ]);
    });

    it("rejects on insufficient funds with the vendor's message", async () => {
      const error = await thrownBy(() => client.buy(electricity("04040404044")));
      assert.ok(error instanceof VendorError);
      assert.equal(error.kind, "rejected");
      assert.match(error.customerMessage, /Insufficient funds/);
    });

    it("sells airtime on every network with no token", async () => {
      for (const network of ["MASCOM", "ORANGE", "BTC"]) {
        const request = purchase("AIRTIME", network, "26771234567", "20");
        const quote = await client.quote(request);
        assert.equal(quote.customerName, undefined);
        assert.equal(quote.total, "20.00");
        const sale = await client.buy(request);
        assert.equal(sale.token, undefined);
        assert.equal(sale.units, undefined);
      }
    });

    it("sells Mma Itumeleng water with a token and 1500 L", async () => {
      const request = purchase("WATER", "WUC", "1234567890", "50");
      const quote = await client.quote(request);
      assert.equal(quote.customerName, "Mma Itumeleng");
      const sale = await client.buy(request);
      assert.ok(sale.token);
      assert.equal(sale.units, "1500 L");
    });
  });

  describe("ambiguous confirms and recovery", () => {
    it("turns a hanging confirm into ambiguous, then retry finds the original token; one confirm sent", async () => {
      const request = electricity("04040404022");
      const error = await thrownBy(() => client.buy(request));
      assert.ok(error instanceof VendorError);
      assert.equal(error.kind, "ambiguous");
      const resolution = await client.resolve(request);
      assert.equal(resolution.status, "SUCCESSFUL");
      assert.equal(resolution.status === "SUCCESSFUL" && resolution.sale.token, "0404 0404 0220 0000 0022");
      assert.equal(sandbox.stats.confirms.get(request.externalReference), 1);
      assert.equal(sandbox.stats.retries, 1);
    });

    it("resolves a hanging confirm whose sale failed as FAILED", async () => {
      const request = electricity("04040404033");
      const error = await thrownBy(() => client.buy(request));
      assert.ok(error instanceof VendorError);
      assert.equal(error.kind, "ambiguous");
      const resolution = await client.resolve(request);
      assert.equal(resolution.status, "FAILED");
      assert.match(
        resolution.status === "FAILED" ? (resolution.failure.vendorReason ?? "") : "",
        /could not complete/,
      );
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

    it("plays the documented trap: a second confirm of one reference sells again (so we never send one)", async () => {
      const request = electricity("04040404040");
      await client.buy(request);
      await client.buy(request);
      assert.equal(sandbox.stats.confirms.get(request.externalReference), 2);
      assert.equal(sandbox.stats.duplicateConfirms, 1);
    });
  });

  describe("balance", () => {
    it("reads the debit account's balance and goes down after a sale", async () => {
      const before = await client.balance();
      await client.buy(electricity("04040404040", "10.00"));
      const after = await client.balance();
      assert.equal(after.accountId, before.accountId);
      assert.equal(after.currency, "BWP");
      assert.equal((toCents(before.balance ?? "") ?? 0) - (toCents(after.balance ?? "") ?? 0), 1300);
    });
  });

  describe("unreachable vendor", () => {
    it("reports quotes as unavailable and buys as rejected (the confirm never left)", async () => {
      const closed = await startScratchPowerSandbox();
      const url = closed.url;
      await closed.close();
      const offline = clientFor(url, { timeoutMs: 500 });
      const quoteError = await thrownBy(() => offline.quote(electricity("04040404040")));
      assert.ok(quoteError instanceof VendorError);
      assert.equal(quoteError.kind, "unavailable");
      assert.equal(quoteError.customerMessage, "The provider cannot be reached, please try again.");
      const buyError = await thrownBy(() => offline.buy(electricity("04040404040")));
      assert.ok(buyError instanceof VendorError);
      assert.equal(buyError.kind, "rejected");
    });
  });
});
