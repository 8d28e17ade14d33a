// Whole purchases through the service (USSD and SMS, real Express app, real vendor client over HTTP) against a
// vendor double that answers with the ScratchPower documents' own example bodies, verbatim where the
// documents print one, and derived from one (only the named fields changed) where they do not (airtime and
// water quotes, the products besides electricity, a second meter).
import assert from "node:assert/strict";
import request from "supertest";
import { parseVendorJson } from "../../src/vending/tolerant-json.js";
import * as current from "../fixtures/vendor-docs/scratchpower-current.js";
import * as v1 from "../fixtures/vendor-docs/scratchpower-v1.js";
import {
  derived,
  type GoldenAnswer,
  type GoldenServer,
  startGoldenServer,
} from "../helpers/golden-server.js";
import { assembleRig, type BaseRig, option, type UssdDialog } from "../helpers/journey.js";

const ok = (body: string): GoldenAnswer => ({ body });
const MULTI_TOKEN = (parseVendorJson(`{${v1.TOKEN_FORMAT_MULTI}}`) as { token: string }).token;
const THREE_TOKENS = ["8190 1047 0212 0545 2032", "8190 1047 0112 0545 2032", "0404 0404 1980 0000 1917"];

// The documented electricity product, and airtime and water derived from it.
const electricityProduct = (parseVendorJson(v1.VAS_PRODUCTS) as Record<string, unknown>[])[0] as Record<
  string,
  unknown
>;
const PRODUCTS = JSON.stringify([
  ...(parseVendorJson(v1.VAS_PRODUCTS) as unknown[]),
  {
    ...electricityProduct,
    product_type: "AIRTIME",
    display_name: "Airtime",
    subscriber_id_label: "Mobile Number",
    subscriber_id_min_length: 11,
    subscriber_id_max_length: 11,
    subscriber_id_pattern: "^2677[0-9]{7}$",
    providers: [{ code: "MASCOM", name: "Mascom" }],
  },
  {
    ...electricityProduct,
    product_type: "WATER",
    display_name: "Water",
    subscriber_id_min_length: 8,
    subscriber_id_max_length: 12,
    subscriber_id_pattern: "^[0-9]{8,12}$",
    providers: [{ code: "WUC", name: "Water Utilities Corporation" }],
  },
]);

const quoteOf = (subscriber: string, amount: string, charge: string, total: string, name?: string) =>
  derived(v1.VALIDATE_ELECTRICITY, (body) => {
    Object.assign(body, { total: `BWP ${total}`, net: `BWP ${amount}`, entry: `BWP ${amount}` });
    Object.assign(body, { charge: `BWP ${charge}`, subscriber_identifier: subscriber });
    if (name) body.subscriber_details = name;
    else delete body.subscriber_details;
  });

/** The v1 vendor as its documents show it; `electricityConfirm` picks the electricity sale served. */
function v1Vendor(electricityConfirm: () => string) {
  return startGoldenServer((req) => {
    const body = (req.body ?? {}) as { product_type?: string };
    switch (`${req.method} ${req.path}`) {
      case "POST /v1/auth/login":
        return ok(v1.LOGIN);
      case "GET /v1/accounts":
        return ok('[{"id": 13209, "balance": "BWP 5000.00"}]'); // not printed by the documents
      case "GET /v1/vas-products":
        return ok(PRODUCTS);
      case "POST /v1/purchases/validate":
        if (body.product_type === "AIRTIME") return ok(quoteOf("26771436390", "10.00", "0.00", "10.00"));
        if (body.product_type === "WATER")
          return ok(quoteOf("1234567890", "200.00", "0.00", "200.00", "Mma Itumeleng"));
        return ok(v1.VALIDATE_ELECTRICITY);
      case "POST /v1/purchases/confirm":
        if (body.product_type === "AIRTIME") return ok(v1.CONFIRM_AIRTIME);
        if (body.product_type === "WATER") return ok(v1.CONFIRM_WATER);
        return ok(electricityConfirm());
      default:
        return undefined;
    }
  });
}

async function rigFor(vendor: GoldenServer, name: string): Promise<BaseRig> {
  return assembleRig(
    {
      VENDOR: name,
      SCRATCHPOWER_URL: vendor.url,
      SCRATCHPOWER_CLIENT_ID: "your-client-id",
      SCRATCHPOWER_CLIENT_SECRET: "your-client-secret",
      SCRATCHPOWER_USERNAME: "integration-user",
      SCRATCHPOWER_PASSWORD: "your-password",
      SCRATCHPOWER_ORG_CODE: "YOUR_ORG",
    },
    1,
    () => vendor.close(),
  );
}

async function buyElectricityByUssd(
  dialog: UssdDialog,
  meter: string,
): Promise<{ quote: string; end: string }> {
  const menu = await dialog.start();
  await dialog.send(option(menu, "Electricity"));
  await dialog.send(meter);
  const quote = await dialog.send("100");
  return { quote, end: await dialog.send(option(quote, "Pay")) };
}

function sms(rig: BaseRig, from: string) {
  let n = 0;
  return (text: string) =>
    request(rig.service.app)
      .post("/sms/africastalking")
      .type("form")
      .send({ from, to: "12345", text, id: `${from}-${++n}`, date: "2026-11-30 12:00:00" });
}

async function buyBySms(rig: BaseRig, phone: string, command: string): Promise<string[]> {
  const send = sms(rig, phone);
  await send(command);
  const [quote] = await rig.waitForSms(phone, 1);
  const code = quote?.match(/YES (\d{4})/)?.[1];
  assert.ok(code, quote);
  await send(`YES ${code}`);
  await rig.waitForSms(phone, 2);
  await new Promise((resolve) => setTimeout(resolve, 150));
  return rig.smsTo(phone);
}

describe("purchases against ScratchPower v1 answering with its documents' bodies", function () {
  this.timeout(30_000);
  let rig: BaseRig;
  let vendor: GoldenServer;
  let electricityConfirm = () => v1.CONFIRM_ELECTRICITY;
  beforeEach(async () => {
    electricityConfirm = () => v1.CONFIRM_ELECTRICITY;
    vendor = await v1Vendor(() => electricityConfirm());
    rig = await rigFor(vendor, "scratchpower");
  });
  afterEach(async () => {
    await rig.close();
  });

  it("sells one electricity token by USSD: the menu, the quote, the token by SMS", async () => {
    const dialog = rig.dial("+26771000101");
    const { quote, end } = await buyElectricityByUssd(dialog, "04040404040");
    assert.match(quote, /John Smith/);
    assert.match(quote, /Total BWP 103\.00/);
    assert.match(quote, /BWP 3\.00/);
    assert.match(end, /^END Paid/);
    assert.match(end, /8\.1 kWh/);
    const [token] = await rig.waitForSms("+26771000101", 1);
    assert.match(token ?? "", /0404 0404 0400 0000 0081/);
    assert.equal(vendor.calls("/v1/purchases/confirm").length, 1);
  });

  it("sells three tokens by USSD and sends them in the vendor's order", async () => {
    electricityConfirm = () =>
      derived(v1.CONFIRM_ELECTRICITY, (body) => {
        (body.product as Record<string, unknown>).token = MULTI_TOKEN;
      });
    const { end } = await buyElectricityByUssd(rig.dial("+26771000102"), "04040404040");
    assert.match(end, /^END Paid/);
    const texts = await rig.waitForSms("+26771000102", 3);
    THREE_TOKENS.forEach((token, i) => {
      assert.match(texts[i] ?? "", new RegExp(token));
    });
  });

  it("sells airtime by USSD: no token, a receipt", async () => {
    const dialog = rig.dial("+26771000103");
    const menu = await dialog.start();
    const choice = await dialog.send(option(menu, "Airtime"));
    await dialog.send(option(choice, "Another number"));
    await dialog.send("71436390");
    const quote = await dialog.send("10");
    assert.match(quote, /Total BWP 10\.00/);
    assert.match(await dialog.send(option(quote, "Pay")), /^END Done: BWP 10\.00 airtime for 26771436390/);
    const [receipt] = await rig.waitForSms("+26771000103", 1);
    assert.match(receipt ?? "", /airtime sent to 26771436390/);
  });

  it("sells water by USSD with its token and litres", async () => {
    const dialog = rig.dial("+26771000104");
    const menu = await dialog.start();
    await dialog.send(option(menu, "Water"));
    await dialog.send("1234567890");
    const quote = await dialog.send("200");
    assert.match(quote, /Mma Itumeleng/);
    assert.match(await dialog.send(option(quote, "Pay")), /^END Paid/);
    const [token] = await rig.waitForSms("+26771000104", 1);
    assert.match(token ?? "", /9999 8888 7777 6666 5555/);
    assert.match(token ?? "", /1500 L/);
  });

  it("sells electricity (one and three tokens), airtime and water by SMS", async () => {
    const single = await buyBySms(rig, "+26771000105", "ELEC 04040404040 100");
    assert.match(single[0] ?? "", /John Smith/);
    assert.match(single[1] ?? "", /0404 0404 0400 0000 0081/);
    electricityConfirm = () =>
      derived(v1.CONFIRM_ELECTRICITY, (body) => {
        (body.product as Record<string, unknown>).token = MULTI_TOKEN;
      });
    const three = await buyBySms(rig, "+26771000106", "ELEC 04040404040 100");
    THREE_TOKENS.forEach((token, i) => {
      assert.match(three[i + 1] ?? "", new RegExp(token));
    });
    const airtime = await buyBySms(rig, "+26771000107", "AIRTIME MASCOM 71436390 10");
    assert.match(airtime[1] ?? "", /airtime sent to 26771436390/);
    const water = await buyBySms(rig, "+26771000108", "WATER 1234567890 200");
    assert.match(water[1] ?? "", /9999 8888 7777 6666 5555/);
    assert.equal(vendor.calls("/v1/purchases/confirm").length, 4);
  });
});

/** The Current API as its document shows it (login and `/auth/me` are not printed there: see the README). */
function currentVendor() {
  const threeTokenQuote = current.VALIDATE_SUCCESS.replace('"04040404040"', '"04040404198"').replace(
    '"John Smith"',
    '"Simon Sais"',
  );
  return startGoldenServer((req) => {
    const meter = (req.body as { meter_number?: string } | undefined)?.meter_number;
    switch (`${req.method} ${req.path}`) {
      case "POST /auth/login":
        return ok(v1.LOGIN);
      case "GET /auth/me":
        return ok('{"accounts": [{"id": 2}]}');
      case "POST /api/topup/validate":
        if (meter === "04040404011") return ok(current.VALIDATE_ERROR_810);
        return ok(meter === "04040404198" ? threeTokenQuote : current.VALIDATE_SUCCESS);
      case "POST /api/topup/confirm":
        return ok(current.CONFIRM_MULTI_TOKEN);
      case "POST /api/topup/retry":
        return ok(current.CONFIRM_MULTI_TOKEN);
      default:
        return undefined;
    }
  });
}

describe("purchases against the ScratchPower Current API answering with its document's bodies", function () {
  this.timeout(30_000);
  let rig: BaseRig;
  let vendor: GoldenServer;
  beforeEach(async () => {
    vendor = await currentVendor();
    rig = await rigFor(vendor, "scratchpower-current");
  });
  afterEach(async () => {
    await rig.close();
  });

  it("sells the document's three tokens by USSD, in order, with its units", async () => {
    const { quote, end } = await buyElectricityByUssd(rig.dial("+26771000201"), "04040404198");
    assert.match(quote, /Simon Sais/);
    assert.match(quote, /Total BWP 100\.00/);
    assert.match(end, /^END Paid/);
    assert.match(end, /191\.7 kWh/);
    const texts = await rig.waitForSms("+26771000201", 3);
    THREE_TOKENS.forEach((token, i) => {
      assert.match(texts[i] ?? "", new RegExp(token));
    });
    const [confirm] = vendor.calls("/api/topup/confirm");
    const sent = confirm?.body as Record<string, unknown>;
    assert.equal(sent.amount, 100);
    assert.equal(sent.debited_account_id, 2);
    assert.equal(sent.meter_number, "04040404198");
    for (const flag of [
      "send_requester_sms",
      "send_beneficiary_sms",
      "send_requester_email",
      "send_beneficiary_email",
    ]) {
      assert.equal(sent[flag], false, flag);
    }
    assert.match(String(sent.date), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.equal(typeof sent.source_tag, "string");
  });

  it("sells by SMS", async () => {
    const texts = await buyBySms(rig, "+26771000202", "ELEC 04040404198 100");
    assert.match(texts[0] ?? "", /Simon Sais/);
    THREE_TOKENS.forEach((token, i) => {
      assert.match(texts[i + 1] ?? "", new RegExp(token));
    });
    const [confirm] = vendor.calls("/api/topup/confirm");
    assert.equal((confirm?.body as { source_channel?: string } | undefined)?.source_channel, "SMS_MO");
  });

  it("shows the document's 810 reason whole, and lets the customer change the meter or the amount", async () => {
    const dialog = rig.dial("+26771000203");
    const menu = await dialog.start();
    await dialog.send(option(menu, "Electricity"));
    await dialog.send("04040404011");
    const refused = await dialog.send("100");
    assert.match(
      refused,
      /^CON Electricity recharge validation failed: 500 - Your meter number has been blocked/,
    );
    assert.match(refused, /Please contact BPC\./);
    assert.match(refused, /1 Change meter\n2 Change amount/);
    assert.match(await dialog.send("1"), /^CON Enter meter number/);
    assert.equal(vendor.calls("/api/topup/confirm").length, 0);
  });
});
