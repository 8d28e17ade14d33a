import assert from "node:assert/strict";
import {
  airtimeReceipt,
  noTokensYetMessage,
  purchaseFailedMessage,
  purchaseMessages,
  purchaseUnresolvedMessage,
  tokenMessages,
} from "../../src/notify/messages.js";
import type { PurchaseSummary } from "../../src/purchases/notifier.js";
import { gsm7Length } from "../../src/text/gsm7.js";

const THREE_TOKENS =
  "KeyChange Token1: 8190 1047 0212 0545 2032|KeyChange Token2: 8190 1047 0112 0545 2032|" +
  "Credit Token: 0404 0404 1980 0000 1917";

const single: PurchaseSummary = {
  reference: "PX7K2M9Q4T",
  productName: "Electricity",
  subscriberLabel: "Meter Number",
  subscriberId: "04040404040",
  amount: "100.00",
  currency: "BWP",
  units: "8.1 kWh",
  token: "0404 0404 0400 0000 0081",
};

/** The longest realistic values: 13-digit meter, 10-char reference, BWP 10000.00, long units. */
const worst: PurchaseSummary = {
  reference: "ABCDEFGHIJ",
  productName: "Electricity",
  subscriberLabel: "Meter Number",
  subscriberId: "0404040419812",
  amount: "10000.00",
  currency: "BWP",
  units: "1234.5 kWh",
  token: THREE_TOKENS,
};

function assertOnePart(text: string): void {
  const length = gsm7Length(text);
  assert.notEqual(length, null, `not GSM-7: ${text}`);
  assert.ok((length ?? 0) <= 160, `${length} GSM-7 characters: ${text}`);
}

describe("token SMS", () => {
  it("sends a single token with units, meter, amount and reference in one SMS", () => {
    const messages = tokenMessages(single);
    assert.equal(messages.length, 1);
    const [text = ""] = messages;
    assertOnePart(text);
    for (const part of [
      "0404 0404 0400 0000 0081",
      "8.1 kWh",
      "04040404040",
      "BWP 100.00",
      "Ref PX7K2M9Q4T",
    ]) {
      assert.ok(text.includes(part), `missing ${part}: ${text}`);
    }
    assert.ok(!text.includes("1/1"), "a lone token is not numbered");
  });

  it("sends one numbered SMS per token, in vendor order, saying which to enter first", () => {
    const messages = tokenMessages({ ...single, subscriberId: "04040404198", token: THREE_TOKENS });
    assert.equal(messages.length, 3);
    const [first = "", second = "", last = ""] = messages;

    assert.match(first, /1\/3 \(KeyChange Token1\), enter this first:\n8190 1047 0212 0545 2032\n/);
    assert.match(second, /2\/3 \(KeyChange Token2\), enter after 1\/3:\n8190 1047 0112 0545 2032\n/);
    assert.match(last, /3\/3 \(Credit Token\), enter last:\n0404 0404 1980 0000 1917\n/);

    assert.ok(
      last.includes("8.1 kWh") && last.includes("BWP 100.00"),
      "units and amount on the credit token",
    );
    assert.ok(!first.includes("kWh") && !second.includes("kWh"), "units only on the credit token");
    for (const text of messages) {
      assertOnePart(text);
      assert.ok(text.includes("Ref PX7K2M9Q4T"));
      assert.ok(text.includes("04040404198"));
    }
  });

  it("keeps every detail within one part at the worst realistic lengths", () => {
    const messages = tokenMessages(worst);
    assert.equal(messages.length, 3);
    messages.forEach(assertOnePart);
    assert.match(messages[0] ?? "", /^Electricity token 1\/3 \(KeyChange Token1\), enter this first:/);
    assert.ok(
      messages.every(
        (text) => text.includes("Meter Number 0404040419812") && text.includes("Ref ABCDEFGHIJ"),
      ),
    );
    assert.ok(messages[2]?.includes("1234.5 kWh, Meter Number 0404040419812, BWP 10000.00."));

    const [alone = ""] = tokenMessages({ ...worst, token: "0404 0404 0400 0000 0081" });
    assertOnePart(alone);
  });

  it("drops optional details, never the token, when vendor text is too long", () => {
    const long: PurchaseSummary = {
      ...worst,
      productName: "Prepaid Electricity (Botswana Power Corporation)",
      subscriberLabel: "Prepaid meter number printed on the meter",
      token:
        "KeyChange Token1 for tariff index change: 8190 1047 0212 0545 2032|" +
        "Credit Token for prepaid electricity purchase: 0404 0404 1980 0000 1917",
    };
    const [first = "", last = ""] = tokenMessages(long);
    assertOnePart(first);
    assertOnePart(last);
    assert.ok(first.includes("\n8190 1047 0212 0545 2032\n"), first);
    assert.ok(last.includes("\n0404 0404 1980 0000 1917\n"), last);
    assert.match(first, /1\/2.*enter this first:/);
    assert.match(last, /2\/2.*enter last:/);
    assert.ok(last.endsWith("Ref ABCDEFGHIJ"));
    assert.ok(!first.includes("Botswana Power"), "the product name goes first");
  });

  it("keeps the SMS in GSM-7 when vendor text carries typographic characters", () => {
    const [text = ""] = tokenMessages({ ...single, productName: "Électricité “BPC”" });
    assertOnePart(text);
    assert.ok(text.startsWith('Électricité "BPC" token:'), text);
  });

  it("sends no token SMS for a purchase without token, and a receipt instead", () => {
    const airtime = { ...single, productName: "Airtime", subscriberId: "26771436390", amount: "20.00" };
    delete airtime.token;
    delete airtime.units;
    assert.deepEqual(tokenMessages(airtime), []);
    assert.deepEqual(purchaseMessages(airtime), [airtimeReceipt(airtime)]);
  });
});

describe("notice SMS", () => {
  it("confirms airtime with amount, number and reference", () => {
    const text = airtimeReceipt({
      reference: "PX7K2M9Q4T",
      productName: "Airtime",
      subscriberId: "26771436390",
      amount: "20.00",
      currency: "BWP",
    });
    assert.equal(text, "BWP 20.00 airtime sent to 26771436390. Ref PX7K2M9Q4T. Thank you.");
  });

  it("tells the customer a failed purchase was not charged, and why", () => {
    const text = purchaseFailedMessage({ ...single, subscriberId: "04040404011" }, "Meter blocked.");
    assert.equal(
      text,
      "Sorry, your Electricity purchase of BWP 100.00 for Meter Number 04040404011 failed: Meter blocked. " +
        "You have not been charged. Ref PX7K2M9Q4T",
    );
  });

  it("shortens a long failure reason but keeps the essentials", () => {
    const reason =
      "The meter number provided is blocked by the utility. Please contact BPC on 0800 600 777 for assistance.";
    const text = purchaseFailedMessage(worst, reason);
    assertOnePart(text);
    assert.ok(text.includes("The meter number provided is blocked"), text);
    assert.ok(text.includes("...") && !text.includes("...."), text);
    assert.ok(text.includes("You have not been charged.") && text.endsWith("Ref ABCDEFGHIJ"), text);
  });

  it("says an unresolved purchase is being checked and quotes the reference", () => {
    for (const summary of [single, worst]) {
      const text = purchaseUnresolvedMessage(summary);
      assertOnePart(text);
      assert.match(text, /not confirmed yet\. We are checking and will SMS you\. Ref /);
      assert.ok(text.endsWith(`Ref ${summary.reference}`));
      assert.ok(text.includes(`BWP ${summary.amount}`) && text.includes(summary.subscriberId), text);
    }
  });

  it("explains when there are no tokens to send again", () => {
    const text = noTokensYetMessage();
    assertOnePart(text);
    assert.match(text, /no recent token purchases/);
  });
});
