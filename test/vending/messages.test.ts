import assert from "node:assert/strict";
import { customerMessage, vendorReasonForCustomer } from "../../src/vending/messages.js";

describe("vendor reasons shown to customers", () => {
  it("keeps a short vendor reason as it is, on one line", () => {
    assert.equal(
      vendorReasonForCustomer("Meter is blocked.\r\n Contact BPC.", "declined"),
      "Meter is blocked. Contact BPC.",
    );
  });

  it("falls back to the cause's message for empty, JSON, markup or stack-trace reasons", () => {
    const fallback = customerMessage("declined");
    for (const reason of [
      undefined,
      "  ",
      '{"error":"x"}',
      "<html><body>Bad Request</body></html>",
      "TypeError: x is undefined at handler (/srv/app.js:10:5)",
      "java.lang.NullPointerException",
    ]) {
      assert.equal(vendorReasonForCustomer(reason, "declined"), fallback, String(reason));
    }
  });

  it("cuts a long reason at a word boundary within one SMS (160 characters)", () => {
    const text = vendorReasonForCustomer(
      `Your meter ${"is under review by the utility ".repeat(8)}`,
      "declined",
    );
    assert.ok(text.length <= 160);
    assert.ok(text.endsWith("..."));
    assert.doesNotMatch(text, / \.\.\.$/);
  });
});
