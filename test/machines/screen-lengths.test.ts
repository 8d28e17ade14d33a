// Every screen of the journey, in every language, at worst-case lengths (longest names, a 13-digit meter,
// the largest amount, three tokens, a vendor reason of a whole SMS), against every aggregator's limit:
// 120 (Nalo), 160 (HollaTags), 182 (the rest), and 80 when a character falls outside GSM-7. The screens
// come from `screens` itself, so a screen added to the machine is measured without touching this test.
import assert from "node:assert/strict";
import { CATALOGUES } from "../../machines/copy/index.js";
import { type JourneyContext, purchaseMachine } from "../../machines/purchase/machine.js";
import type { Product } from "../../machines/purchase/rules.js";
import { type ScreenState, screens } from "../../machines/purchase/screens.js";
import { ussdCapacity } from "../../src/text/gsm7.js";
import { renderScreen } from "../../src/ussd/render.js";

const LANGUAGES = CATALOGUES;
const LIMITS = [120, 160, 182];

const longest: Product = {
  type: "ELECTRICITY",
  name: "Prepaid Electricity Tokens",
  subscriberLabel: "Prepaid Meter Number",
  subscriberMinLength: 11,
  subscriberMaxLength: 13,
  subscriberPattern: "^[0-9]{11,13}$",
  subscriberHint: "the 11 or 13 digits printed on the front of your prepaid meter, under the barcode",
  providers: [
    { code: "BPC", name: "Botswana Power Corporation Prepaid Services" },
    { code: "KEDCO", name: "Kano Electricity Distribution Company Plc" },
  ],
  issuesToken: true,
  subscriberIsPhone: false,
};
const airtime: Product = {
  ...longest,
  type: "AIRTIME",
  name: "Airtime and Bundles",
  subscriberLabel: "Mobile Number",
  issuesToken: false,
  subscriberIsPhone: true,
};

const reason =
  "Electricity recharge validation failed: 500 - Your meter number has been blocked and cannot purchase electricity. Please contact BPC.";

function worstContext(state: ScreenState, product: Product, nonGsm: boolean): JourneyContext {
  const name = nonGsm ? "Ọlọ́rúnṣọ́lá Adéwálé Ọmọ́wùmí 王小明" : "Kgosietsile Moremedi-Tshekiso Matlhaku";
  return {
    sessionId: "s",
    phone: "26771000001",
    products: [longest, airtime],
    minAmount: "1.00",
    maxAmount: "100000.00",
    currency: "BWP",
    payByCode: true,
    history: ["menu", "provider", "subscriber", "amount"],
    page: 0,
    productType: product.type,
    providerCode: "BPC",
    subscriberId: "0404040404013",
    amount: "100000.00",
    recipient: "26772000002",
    quote: {
      reference: "P7K2M9QX4A",
      customerName: name,
      amount: "100000.00",
      charge: "1000.00",
      total: "101000.00",
      currency: "BWP",
    },
    // A vendor's refusal lands on the step it refused; elsewhere the worst is our own refusal. Paying by
    // code (as Nalo's 120-character sessions do), the quote takes no refusal: a stray input changes nothing.
    error:
      state === "amount" || state === "subscriber"
        ? { key: "vendor", failure: { cause: "declined", vendorReason: reason } }
        : state === "quote"
          ? null
          : { key: "amountOutOfRange", currency: "BWP", min: "1.00", max: "100000.00" },
    quoteFailure: { failure: { cause: "declined", vendorReason: reason }, retryable: false },
    outcome: {
      status: "SUCCESSFUL",
      reference: "P7K2M9QX4A",
      units: "1234.5 kWh",
      tokenCount: 3,
      tokens: [
        { description: "KeyChange Token1", token: "8190 1047 0212 0545 2032" },
        { description: "KeyChange Token2", token: "8190 1047 0112 0545 2032" },
        { description: "Credit Token", token: "0404 0404 1980 0000 1917" },
      ],
    },
    lastTokens: { found: true, reference: "P7K2M9QX4A" },
    typed: [],
    payCode: "4821",
    language: "en",
    languageChoice: [
      { code: "en", name: "English" },
      { code: "tn", name: "Setswana" },
    ],
    resume: {
      step: "amount",
      journey: {
        history: ["menu", "subscriber"],
        productType: product.type,
        providerCode: "BPC",
        subscriberId: "0404040404013",
        amount: null,
        recipient: null,
        quote: null,
        quoteFailure: null,
        typed: ["1", "0404040404013"],
      },
    },
  };
}

describe("every screen, language and aggregator at worst-case lengths", () => {
  const measured: { length: number; where: string }[] = [];
  after(() => {
    const top = measured.sort((a, b) => b.length - a.length)[0];
    if (top) console.log(`      longest screen: ${top.length} characters (${top.where})`);
  });

  for (const [language, words] of Object.entries(LANGUAGES)) {
    for (const state of Object.keys(screens) as ScreenState[]) {
      it(`${language} ${state} fits 120, 160 and 182 (80 outside GSM-7)`, () => {
        for (const product of [longest, airtime]) {
          for (const nonGsm of [false, true]) {
            const context = worstContext(state, product, nonGsm);
            const snapshot = purchaseMachine.resolveState({ value: state, context });
            for (const limit of LIMITS) {
              const { text } = renderScreen(snapshot, limit, words);
              const capacity = ussdCapacity(text, limit);
              measured.push({
                length: capacity.length,
                where: `${language} ${state} ${product.type} at ${limit}`,
              });
              assert.ok(
                capacity.fits,
                `${language} ${state} (${product.type}) is ${capacity.length} > ${limit}:\n${text}`,
              );
              assert.ok(text.trim().length > 0);
            }
          }
        }
      });
    }
  }
});
