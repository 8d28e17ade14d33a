import assert from "node:assert/strict";
import { failure, vendorReason } from "../../src/vending/messages.js";

describe("vendor reasons shown to customers", () => {
  it("keeps a short vendor reason as it is, on one line", () => {
    assert.deepEqual(vendorReason("Meter is blocked.\r\n Contact BPC.", "declined"), {
      cause: "declined",
      vendorReason: "Meter is blocked. Contact BPC.",
    });
  });

  it("falls back to the cause's message for empty, JSON, markup or stack-trace reasons", () => {
    const fallback = failure("declined");
    for (const reason of [
      undefined,
      "  ",
      '{"error":"x"}',
      "<html><body>Bad Request</body></html>",
      "TypeError: x is undefined at handler (/srv/app.js:10:5)",
      "java.lang.NullPointerException",
    ]) {
      assert.deepEqual(vendorReason(reason, "declined"), fallback, String(reason));
    }
  });

  it("cuts a long reason at a word boundary within one SMS (160 characters)", () => {
    const text =
      vendorReason(`Your meter ${"is under review by the utility ".repeat(8)}`, "declined").vendorReason ??
      "";
    assert.ok(text.length <= 160);
    assert.ok(text.endsWith("..."));
    assert.doesNotMatch(text, / \.\.\.$/);
  });
});
