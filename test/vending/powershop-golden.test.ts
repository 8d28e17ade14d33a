// Powershop.ng's own example bodies (test/fixtures/vendor-docs/powershop-ng-api.ts, verbatim from
// ../shared/vendor-docs/powershop-ng-api.txt, bare `00` and unquoted date included) served over real HTTP
// to the real client and to the whole service: what the customer gets, and what we sent, checked against
// the document's request payloads and field tables.

import assert from "node:assert/strict";
import request from "supertest";
import { createLogger } from "../../src/log.js";
import { PowershopClient } from "../../src/vending/powershop.js";
import { parseVendorJson } from "../../src/vending/tolerant-json.js";
import type { PurchaseRequest } from "../../src/vending/vendor.js";
import * as doc from "../fixtures/vendor-docs/powershop-ng-api.js";
import { type GoldenServer, startGoldenServer } from "../helpers/golden-server.js";
import { assembleRig, type BaseRig } from "../helpers/journey.js";

const TOKEN = "/v1/merchant/auth/token/request";
const VALIDATION = "/v1/merchant/meter/validation/request";
const GENERATION = "/v1/merchant/token/generation/request";
const STATUS = "/v1/merchant/transaction/status/request";
const WALLET = "/v1/merchant/wallet-balance/request";

/** Every route answers its example body, byte for byte. */
const documentRoutes = {
  [`POST ${TOKEN}`]: { body: doc.TOKEN_RESPONSE },
  [`POST ${VALIDATION}`]: { body: doc.VALIDATION_RESPONSE },
  [`POST ${GENERATION}`]: { body: doc.GENERATION_RESPONSE },
  [`POST ${STATUS}`]: { body: doc.STATUS_RESPONSE },
  [`GET ${WALLET}`]: { body: doc.WALLET_BALANCE_RESPONSE },
};

/** The document's demo credentials, from its token request example. */
const DEMO = parseVendorJson(doc.TOKEN_REQUEST) as { username: string; secret: string };
const ACCESS_TOKEN = (parseVendorJson(doc.TOKEN_RESPONSE) as { access_token: string }).access_token;

/** Keys and value types, recursively. */
function shapeOf(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value === null ? "null" : typeof value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, inner]) => [key, shapeOf(inner)]),
  );
}

/** The document's example meter, as our purchase pipeline hands it to the client. */
function documentPurchase(overrides: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return {
    productType: "ELECTRICITY",
    providerCode: "KEDCO",
    subscriberId: "04214346555",
    amount: "5000.00",
    beneficiaryPhone: "2348068869000",
    externalReference: "123456",
    sourceChannel: "USSD",
    ...overrides,
  };
}

describe("Powershop client on the document's example bodies", () => {
  let vendor: GoldenServer;
  let client: PowershopClient;

  beforeEach(async () => {
    vendor = await startGoldenServer(documentRoutes);
    client = new PowershopClient({
      baseUrl: vendor.url,
      username: DEMO.username,
      secret: DEMO.secret,
      logger: createLogger("silent"),
    });
  });

  afterEach(async () => {
    await vendor.close();
  });

  it("gets a token as 'How to Generate Access Token' shows, and sends it as a Bearer", async () => {
    await client.quote(documentPurchase());
    await client.balance();
    const [tokenRequest] = vendor.calls(TOKEN);
    assert.deepEqual(tokenRequest?.body, DEMO, "the request payload of the example, with our credentials");
    assert.equal(vendor.calls(TOKEN).length, 1, "expires_in 40000 s: one token serves both calls");
    for (const call of [...vendor.calls(VALIDATION), ...vendor.calls(WALLET)]) {
      assert.equal(call.authorization, `Bearer ${ACCESS_TOKEN}`);
    }
  });

  it("quotes from 'Meter Number Validation': the customer's name, no charge, both vendor references", async () => {
    const quote = await client.quote(documentPurchase());
    assert.deepEqual(quote, {
      customerName: "Hayatu Shuaib",
      vendorQuoteReference: "123456",
      vendorTransactionId: "01cd7172-a0cc-44ba-afe7-0cfc2b2f33d3",
      amount: "5000.00",
      charge: "0.00",
      total: "5000.00",
      currency: "NGN",
    });
    const sent = vendor.calls(VALIDATION)[0]?.body as Record<string, unknown>;
    assert.deepEqual(shapeOf(sent), shapeOf(parseVendorJson(doc.VALIDATION_REQUEST)));
    assert.deepEqual(sent, {
      meterNumber: "04214346555",
      meterType: "prepaid",
      mobileNumber: "08068869000",
      amount: 5000, // "Double": a number
      merchantReference: "123456",
      disco: "kedco", // the enum's lower case
    });
  });

  it("re-asks an amount under the example's minimumPurchase (100) before any quote; 100 itself sells", async () => {
    await assert.rejects(client.quote(documentPurchase({ amount: "99.99" })), {
      name: "VendorError",
      kind: "rejected",
      refusedInput: "amount",
      customerMessage: "The minimum purchase is NGN 100.00.",
    });
    const atMinimum = await client.quote(documentPurchase({ amount: "100" }));
    assert.equal(atMinimum.total, "100.00", "never raised to anything else");
  });

  it("sells from 'Meter Vending / Token Generation': the token, one request, amount a string", async () => {
    const sale = await client.buy(
      documentPurchase({ vendorQuoteReference: "20ffb6c7-928c-427a-8f90-ecdc6cefb19e" }),
    );
    assert.deepEqual(sale, {
      vendorReference: "20ffb6c7-928c-427a-8f90-ecdc6cefb19e",
      token: "6782 4150 4464 8983 8558",
    });
    const sent = vendor.calls(GENERATION);
    assert.equal(sent.length, 1);
    assert.deepEqual(shapeOf(sent[0]?.body), shapeOf(parseVendorJson(doc.GENERATION_REQUEST)));
    assert.deepEqual(sent[0]?.body, parseVendorJson(doc.GENERATION_REQUEST), "the example's own payload");
  });

  it("resolves from 'Check Transaction Status': code 00 with a token is a sale", async () => {
    const resolution = await client.resolve(documentPurchase({ vendorQuoteReference: "123456" }));
    assert.deepEqual(resolution, {
      status: "SUCCESSFUL",
      sale: { vendorReference: "ABNghoamoww", token: "xxxx-xxxx-xxxx-xxxx" },
    });
    const sent = vendor.calls(STATUS)[0]?.body;
    assert.deepEqual(shapeOf(sent), shapeOf(parseVendorJson(doc.STATUS_REQUEST)));
    assert.deepEqual(sent, { referenceNumber: "123456", disco: "kedco" });
  });

  it("reads 'Check Merchant Wallet Balance' with a GET: data.amount", async () => {
    const balance = await client.balance();
    assert.equal(balance.balance, "7090.30");
    assert.equal(balance.currency, "NGN");
    assert.equal(vendor.calls(WALLET)[0]?.method, "GET");
  });
});

describe("A Nigerian operator's service against a vendor answering as the document shows", function () {
  this.timeout(20_000);
  let vendor: GoldenServer;
  let rig: BaseRig;
  const phone = "+2348068869000";

  beforeEach(async () => {
    vendor = await startGoldenServer(documentRoutes);
    // No LOCALE or CURRENCY: VENDOR=powershop means Nigeria.
    rig = await assembleRig(
      {
        VENDOR: "powershop",
        POWERSHOP_URL: vendor.url,
        POWERSHOP_USERNAME: DEMO.username,
        POWERSHOP_SECRET: DEMO.secret,
        AMOUNT_MAX: "100000",
      },
      1,
      () => vendor.close(),
    );
  });

  afterEach(async () => {
    await rig.close();
  });

  it("sells over USSD: the disco, the name in naira, one generation, the token by SMS to an 080… number", async () => {
    const dialog = rig.dial(phone);
    assert.match(await dialog.start(), /1 Electricity/);
    const discos = await dialog.send("1");
    assert.match(discos, /Kano Electricity \(KEDCO\)/);
    const kedco =
      discos
        .split("\n")
        .find((line) => line.includes("KEDCO"))
        ?.match(/^(\d+) /)?.[1] ?? "";
    assert.match(await dialog.send(kedco), /^CON Enter meter number/);
    assert.match(await dialog.send("04214346555"), /Enter amount in NGN/);
    const own = await dialog.send("5000");
    assert.match(own, /Hayatu Shuaib/);
    assert.match(await dialog.send("2"), /phone/i);
    // A number typed the Nigerian way: read in the NG region without LOCALE being set.
    const quote = await dialog.send("08031234567");
    assert.match(quote, /Hayatu Shuaib/);
    assert.match(quote, /Total NGN 5000\.00/);
    assert.match(await dialog.send("1"), /^END Paid/);
    const [sms] = await rig.waitForSms("+2348031234567", 1);
    assert.match(sms ?? "", /6782 4150 4464 8983 8558/);
    assert.equal(vendor.calls(GENERATION).length, 1);
    assert.deepEqual(vendor.calls(GENERATION)[0]?.body, { referenceNumber: "123456", amount: "5000" });
    // The first quote was for the buyer's own phone; choosing another phone quotes again for it.
    const validation = vendor.calls(VALIDATION).at(-1)?.body as Record<string, unknown>;
    assert.equal(validation.mobileNumber, "08031234567", "the recipient, in the local format");
  });

  it("sells over SMS: ELEC KEDCO <meter> <amount>, YES <code>, the token by SMS", async () => {
    const send = (text: string, id: string) =>
      request(rig.service.app).post("/sms/africastalking").type("form").send({ from: phone, text, id });
    await send("ELEC KEDCO 04214346555 5000", "golden-q");
    const [quote] = await rig.waitForSms(phone, 1);
    assert.match(quote ?? "", /Hayatu Shuaib/);
    const code = quote?.match(/YES (\d{4})/)?.[1];
    assert.ok(code, quote);
    await send(`YES ${code}`, "golden-y");
    const texts = await rig.waitForSms(phone, 2);
    assert.match(texts[1] ?? "", /6782 4150 4464 8983 8558/);
    assert.equal(vendor.calls(GENERATION).length, 1);
  });
});
