import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../src/config.js";
import { regionOf, toE164Digits } from "../../src/phone.js";

describe("configuration", () => {
  it("runs on embedded defaults with nothing set", () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 3000);
    assert.equal(config.LOCALE, "en-BW");
    assert.equal(config.CURRENCY, "BWP");
    assert.equal(config.CONFIRM_WAIT_MS, 4000);
    assert.equal(config.USSD_SESSION_TTL_SECONDS, 180);
    assert.equal(config.SMS_PROVIDER, "log");
    assert.equal(config.SCRATCHPOWER_URL, undefined);
  });

  it("names every bad variable in one startup error", () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: "http",
          CONFIRM_WAIT_MS: "-5",
          LOCALE: "english",
          SMS_PROVIDER: "pigeon",
          SCRATCHPOWER_TIME_ZONE: "Mars/Base",
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const name of ["PORT", "CONFIRM_WAIT_MS", "LOCALE", "SMS_PROVIDER", "SCRATCHPOWER_TIME_ZONE"])
          assert.match(error.message, new RegExp(name));
        return true;
      },
    );
  });

  it("requires vendor credentials with a real vendor URL, and gateway credentials with Africa's Talking SMS", () => {
    assert.throws(
      () => loadConfig({ SCRATCHPOWER_URL: "https://vendor.example" }),
      /SCRATCHPOWER_CLIENT_ID.*required/s,
    );
    assert.throws(() => loadConfig({ SMS_PROVIDER: "africastalking" }), /AFRICASTALKING_API_KEY.*required/s);
    assert.throws(() => loadConfig({ SCRATCHPOWER_URL: "not a url" }), /SCRATCHPOWER_URL/);
  });

  it("sells in Nigeria by default with VENDOR=powershop: en-NG (080… numbers), NGN; both still settable", () => {
    const nigeria = loadConfig({ VENDOR: "powershop" });
    assert.deepEqual([nigeria.LOCALE, nigeria.CURRENCY], ["en-NG", "NGN"]);
    assert.equal(toE164Digits("08031234567", regionOf(nigeria.LOCALE)), "2348031234567");
    const chosen = loadConfig({ VENDOR: "powershop", LOCALE: "en-GH", CURRENCY: "GHS" });
    assert.deepEqual([chosen.LOCALE, chosen.CURRENCY], ["en-GH", "GHS"]);
    const botswana = loadConfig({ VENDOR: "scratchpower" });
    assert.deepEqual([botswana.LOCALE, botswana.CURRENCY], ["en-BW", "BWP"]);
  });

  it("requires DATABASE_URL with REDIS_URL, since instances sharing Redis must share one ledger", () => {
    assert.throws(() => loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }), /DATABASE_URL: is required/);
    assert.throws(
      () => loadConfig({ REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: "mysql://x" }),
      /DATABASE_URL: must be a postgres/,
    );
    assert.throws(
      () => loadConfig({ DATABASE_URL: "postgres://127.0.0.1/ledger", LEDGER_DIR: "/var/lib/ledger" }),
      /LEDGER_DIR/,
    );
    const config = loadConfig({
      REDIS_URL: "redis://127.0.0.1:6379",
      DATABASE_URL: "postgres://127.0.0.1/x",
    });
    assert.equal(config.DATABASE_URL, "postgres://127.0.0.1/x");
  });

  it("refuses amount limits that make no sense", () => {
    assert.throws(() => loadConfig({ AMOUNT_MIN: "100", AMOUNT_MAX: "10" }), /AMOUNT_MAX/);
    assert.throws(() => loadConfig({ AMOUNT_MIN: "1.234" }), /AMOUNT_MIN/);
  });
});
