// Vendor text on a USSD screen is spelt in GSM-7 where it can be: a Yoruba name keeps the screen in GSM-7
// (182 characters) instead of halving it to UCS-2's 80, and nothing ever becomes `?`.
import assert from "node:assert/strict";
import { purchaseMachine } from "../../machines/purchase/machine.js";
import type { Product } from "../../machines/purchase/rules.js";
import { ussdCapacity } from "../../src/text/gsm7.js";
import { renderScreen } from "../../src/ussd/render.js";

const electricity: Product = {
  type: "ELECTRICITY",
  name: "Electricity",
  subscriberLabel: "Meter Number",
  subscriberMinLength: 11,
  subscriberMaxLength: 13,
  subscriberPattern: "",
  subscriberHint: "",
  providers: [{ code: "IKEDC", name: "Ikeja Electric" }],
  issuesToken: true,
  subscriberIsPhone: false,
};

function quoteFor(customerName: string) {
  const snapshot = purchaseMachine.resolveState({
    value: "quote",
    context: {
      sessionId: "s",
      phone: "2348031234567",
      products: [electricity],
      minAmount: "1.00",
      maxAmount: "100000.00",
      currency: "NGN",
      history: ["menu", "subscriber", "amount"],
      page: 0,
      productType: "ELECTRICITY",
      providerCode: "IKEDC",
      subscriberId: "45700000001",
      amount: "1500.00",
      recipient: "2348031234567",
      quote: {
        reference: "R1",
        customerName,
        amount: "1500.00",
        charge: "0.00",
        total: "1500.00",
        currency: "NGN",
      },
      error: null,
      quoteFailure: null,
      outcome: null,
      lastTokens: null,
      typed: [],
      payCode: null,
      resume: null,
      language: "en",
      languageChoice: [],
    },
  });
  return renderScreen(snapshot, 182).text;
}

describe("vendor text on USSD screens", () => {
  it("drops accents GSM-7 lacks, keeping the screen in GSM-7", () => {
    const screen = quoteFor("Adéwálé Ọlọ́rúnṣọ́lá");
    assert.match(screen, /^Adéwalé Olorunsola$/m);
    assert.equal(ussdCapacity(screen, 182).encoding, "GSM-7");
    assert.doesNotMatch(screen, /\?/);
  });

  it("keeps a name GSM-7 cannot spell as written, within UCS-2's 80 characters", () => {
    const screen = quoteFor("王小明");
    assert.match(screen, /王小明/);
    const capacity = ussdCapacity(screen, 182);
    assert.equal(capacity.encoding, "UCS-2");
    assert.ok(capacity.fits, screen);
  });
});
