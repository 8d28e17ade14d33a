import assert from "node:assert/strict";
import {
  SANDBOX_ACCOUNT_ID,
  type SandboxHandle,
  startScratchPowerSandbox,
} from "../../src/vending/sandbox/scratchpower-v1.js";
import { VendorError } from "../../src/vending/vendor.js";
import { clientFor, electricity, sandboxCredentials, sleep, thrownBy } from "./scratchpower-fixtures.js";

describe("ScratchPower v1 sessions", () => {
  describe("with long-lived tokens", () => {
    let sandbox: SandboxHandle;

    before(async () => {
      sandbox = await startScratchPowerSandbox();
    });

    after(async () => {
      await sandbox.close();
    });

    beforeEach(() => sandbox.resetStats());

    it("logs in once for many concurrent calls", async () => {
      const client = clientFor(sandbox);
      const quotes = await Promise.all(
        Array.from({ length: 20 }, () => client.quote(electricity("04040404040"))),
      );
      assert.equal(quotes.length, 20);
      assert.equal(sandbox.stats.logins, 1);
      assert.equal(sandbox.stats.accountLists, 1, "the debit account is looked up once too");
      assert.equal(sandbox.stats.validates, 20);
    });

    it("does not log in before it is needed", async () => {
      clientFor(sandbox);
      await sleep(20);
      assert.equal(sandbox.stats.logins, 0);
    });

    it("logs in again exactly once when the vendor drops the session mid-way (401)", async () => {
      const client = clientFor(sandbox);
      await client.quote(electricity("04040404040"));
      sandbox.revokeAccessTokens();
      const quotes = await Promise.all(
        Array.from({ length: 10 }, () => client.quote(electricity("04040404040"))),
      );
      assert.equal(quotes.length, 10);
      assert.equal(sandbox.stats.logins, 2);
      assert.equal(sandbox.stats.unauthorized, 10);
    });

    it("uses the configured account without listing accounts", async () => {
      const client = clientFor(sandbox, { accountId: String(SANDBOX_ACCOUNT_ID) });
      await client.quote(electricity("04040404040"));
      assert.equal(sandbox.stats.accountLists, 0);
    });

    it("answers a refused login with a generic message, never the vendor's login error, and sends no confirm", async () => {
      const client = clientFor(sandbox, { credentials: { ...sandboxCredentials, password: "wrong" } });
      const quoteError = await thrownBy(() => client.quote(electricity("04040404040")));
      assert.ok(quoteError instanceof VendorError);
      assert.equal(quoteError.kind, "unavailable");
      assert.equal(quoteError.customerMessage, "The service is unavailable, please try again later.");
      const request = electricity("04040404040");
      const buyError = await thrownBy(() => client.buy(request));
      assert.ok(buyError instanceof VendorError);
      assert.equal(buyError.kind, "rejected", "nothing can have been bought");
      assert.equal(sandbox.stats.confirms.size, 0);
      assert.equal(sandbox.stats.failedLogins, 2);
    });
  });

  describe("with one-second tokens", () => {
    let sandbox: SandboxHandle;

    before(async () => {
      sandbox = await startScratchPowerSandbox({ accessTtlSeconds: 1 });
    });

    after(async () => {
      await sandbox.close();
    });

    beforeEach(() => sandbox.resetStats());

    it("refreshes an expiring token and calls keep succeeding", async () => {
      const client = clientFor(sandbox);
      await client.quote(electricity("04040404040"));
      await sleep(1100);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => client.quote(electricity("04040404198"))),
      );
      assert.equal(results[0]?.customerName, "Simon Sais");
      assert.equal(sandbox.stats.logins, 1);
      assert.equal(sandbox.stats.refreshes, 1, "one refresh shared by the concurrent callers");
      assert.equal(sandbox.stats.unauthorized, 0, "renewed before the vendor had to refuse");
    });
  });

  describe("when the refresh token has expired too", () => {
    let sandbox: SandboxHandle;

    before(async () => {
      sandbox = await startScratchPowerSandbox({ accessTtlSeconds: 0.5, refreshTtlSeconds: 0.5 });
    });

    after(async () => {
      await sandbox.close();
    });

    it("logs in again and the call succeeds", async () => {
      const client = clientFor(sandbox);
      await client.quote(electricity("04040404040"));
      await sleep(700);
      const quote = await client.quote(electricity("04040404040"));
      assert.equal(quote.customerName, "John Smith");
      assert.equal(sandbox.stats.logins, 2);
    });
  });
});
