import assert from "node:assert/strict";
import * as replies from "../../src/sms/replies.js";
import { smsCapacity } from "../../src/text/gsm7.js";

function assertOneSms(text: string): void {
  const capacity = smsCapacity(text);
  assert.equal(capacity.encoding, "GSM-7", text);
  assert.ok(capacity.fits, `${capacity.length} characters: ${text}`);
}

describe("SMS channel replies", () => {
  it("fit one GSM-7 SMS at realistic worst-case lengths", () => {
    const long = "Customer name “Ñandú” with typographic quotes that goes on and on and on";
    const texts = [
      replies.helpReply(),
      replies.quoteReply({
        productName: "Electricity",
        subscriberId: "1234567890123",
        customerName: long,
        currency: "BWP",
        amount: "10000.00",
        charge: "1000.00",
        total: "11000.00",
        code: "9999",
        minutes: 10,
      }),
      replies.noQuoteReply(),
      replies.wrongCodeReply(),
      replies.cancelledReply(),
      replies.pendingReply("ABCDEFGHJK"),
      replies.failedReply("ABCDEFGHJK", `${long} ${long}`),
      replies.notSentReply(),
      replies.quoteRefusedReply(`${long} ${long} ${long}`),
      replies.badInputReply(`${long} ${long}`),
      replies.whichProviderReply("Airtime", [
        { code: "MASCOM" },
        { code: "ORANGE" },
        { code: "BTC" },
        { code: "BEMOBILE" },
        { code: "NETWORK5" },
        { code: "NETWORK6" },
      ]),
      replies.noTokensReply(),
      replies.statusReply({
        reference: "ABCDEFGHJK",
        productName: "Electricity",
        subscriberId: "1234567890123",
        currency: "BWP",
        amount: "10000.00",
        status: "FAILED",
        failureReason: long,
      }),
      replies.unknownReferenceReply("X".repeat(200)),
      replies.tooManyMessagesReply(),
      replies.tooManyQuotesReply(),
      replies.busyReply(),
    ];
    for (const text of texts) assertOneSms(text);
  });

  it("keeps the quote's code and instructions whole when the vendor's name is long", () => {
    const text = replies.quoteReply({
      productName: "Electricity",
      subscriberId: "04040404040",
      customerName: "A".repeat(80),
      currency: "BWP",
      amount: "100.00",
      charge: "3.00",
      total: "103.00",
      code: "4821",
      minutes: 10,
    });
    assert.match(text, /Reply YES 4821 to pay or NO to cancel, within 10 min\.$/);
    assert.match(text, /BWP 103\.00/);
  });
});
