// Names and vendor text through the real SMS texts: accents the GSM-7 alphabet lacks are dropped so the
// SMS keeps its 160 characters; what cannot be spelled in GSM-7 goes out as it is (UCS-2), never as `?`.
import assert from "node:assert/strict";
import { purchaseFailedMessage, purchaseMessages } from "../../src/notify/messages.js";
import type { PurchaseSummary } from "../../src/purchases/notifier.js";
import { quoteReply } from "../../src/sms/replies.js";
import { fitsSms, smsCapacity } from "../../src/text/gsm7.js";

const quote = {
  productName: "Electricity",
  subscriberId: "0404040419812",
  currency: "NGN",
  amount: "10000.00",
  charge: "100.00",
  total: "10100.00",
  code: "4821",
  minutes: 10,
};

const purchase: PurchaseSummary = {
  reference: "PX7K2M9Q4T",
  productName: "Electricity",
  subscriberLabel: "Meter Number",
  subscriberId: "0404040419812",
  amount: "100.00",
  currency: "NGN",
  units: "8.1 kWh",
  token: "0404 0404 0400 0000 0081",
};

describe("customer names and vendor text in SMS", () => {
  it("drops the accents GSM-7 lacks from a Yoruba name, keeping a one-part GSM-7 quote", () => {
    const reply = quoteReply({ ...quote, customerName: "Adéwálé Ọlọ́rúnṣọ́lá" });
    assert.match(reply, /^Adéwalé Olorunsola, Electricity 0404040419812:/);
    assert.equal(smsCapacity(reply).encoding, "GSM-7");
    assert.ok(fitsSms(reply), reply);
  });

  it("leaves a name GSM-7 already spells as it is", () => {
    const reply = quoteReply({ ...quote, customerName: "Nkosi Ntsikelelo" });
    assert.match(reply, /^Nkosi Ntsikelelo, /);
    assert.ok(fitsSms(reply));
  });

  it("sends a Chinese name or an emoji as written, in UCS-2, never as question marks", () => {
    for (const name of ["王小明", "Thabo 🙂"]) {
      const reply = quoteReply({ ...quote, customerName: name });
      assert.ok(reply.startsWith(`${name}, `), reply);
      assert.ok(!reply.includes("?"), reply);
      assert.equal(smsCapacity(reply).encoding, "UCS-2");
    }
  });

  it("keeps a token SMS to one part, token whole, whatever script the product name is in", () => {
    for (const productName of ["電力", "Électricité ⚡", "Ọ̀gbọ́n"]) {
      const [message, ...more] = purchaseMessages({ ...purchase, productName });
      assert.equal(more.length, 0);
      assert.ok(message?.includes("0404 0404 0400 0000 0081"), message);
      assert.ok(fitsSms(message ?? ""), message);
      assert.ok(!message?.includes("?"), message);
    }
    assert.match(purchaseMessages({ ...purchase, productName: "Ọ̀gbọ́n" })[0] ?? "", /^Ogbon token:/);
  });

  it("keeps the vendor's words in a failure SMS, spelled in GSM-7 where they can be", () => {
    const message = purchaseFailedMessage(purchase, "Mita yí kò ṣiṣẹ́");
    assert.match(message, /failed: Mita yi kò sise\. You have not been charged/);
    assert.ok(fitsSms(message), message);
    const withEmoji = purchaseFailedMessage(purchase, "Meter blocked 🚫");
    assert.match(withEmoji, /Meter blocked 🚫/);
    assert.ok(!withEmoji.includes("?"));
  });
});
