// The ScratchPower v1 client against the vendor's own documented bodies (test/fixtures/vendor-docs), served
// verbatim over real HTTP: what the customer gets from exactly what the documents show. Where a test needs an
// answer the documents do not print (an airtime quote, a FAILED status), it is derived from a documented body
// by changing only the named fields, and says so.
import assert from "node:assert/strict";
import { createLogger } from "../../src/log.js";
import { ScratchPowerV1Client } from "../../src/vending/scratchpower-v1.js";
import { parseVendorJson } from "../../src/vending/tolerant-json.js";
import { type PurchaseRequest, VendorError } from "../../src/vending/vendor.js";
import {
  CONFIRM_AIRTIME,
  CONFIRM_ELECTRICITY,
  CONFIRM_EXCERPT_SINGLE_TOKEN,
  CONFIRM_WATER,
  LOGIN,
  TOKEN_FORMAT_MULTI,
  VALIDATE_ELECTRICITY,
  VAS_PRODUCTS,
} from "../fixtures/vendor-docs/scratchpower-v1.js";
import {
  derived,
  type GoldenAnswer,
  type GoldenServer,
  startGoldenServer,
} from "../helpers/golden-server.js";

/** The multi-token value of "Token format", as a string. */
const MULTI_TOKEN = (parseVendorJson(`{${TOKEN_FORMAT_MULTI}}`) as { token: string }).token;

/** `GET /v1/accounts` is not printed by any document: the shape the README says we read (a bare array). */
const ACCOUNTS = '[{"id": 13209, "balance": "BWP 1,250,000.50"}]';

const ok = (body: string): GoldenAnswer => ({ body });

function request(overrides: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return {
    productType: "ELECTRICITY",
    providerCode: "BPC",
    subscriberId: "04040404040",
    amount: "100.00",
    beneficiaryPhone: "26771436390",
    externalReference: "your-own-ref-123",
    sourceChannel: "USSD",
    ...overrides,
  };
}

function clientFor(server: GoldenServer) {
  return new ScratchPowerV1Client({
    baseUrl: server.url,
    credentials: {
      clientId: "your-client-id",
      clientSecret: "your-client-secret",
      username: "integration-user",
      password: "your-password",
      orgCode: "YOUR_ORG",
    },
    locale: "en-BW",
    currency: "BWP",
    timeoutMs: 1000,
    confirmTimeoutMs: 1000,
    logger: createLogger("silent"),
  });
}

async function rejection(action: () => Promise<unknown>): Promise<VendorError> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof VendorError, String(error));
    return error;
  }
  assert.fail("expected a VendorError");
}

describe("ScratchPower v1 client, served the documents' own bodies", () => {
  let server: GoldenServer;
  afterEach(async () => {
    await server?.close();
  });

  const standard = {
    "POST /v1/auth/login": ok(LOGIN),
    "GET /v1/accounts": ok(ACCOUNTS),
    "GET /v1/vas-products": ok(VAS_PRODUCTS),
    "POST /v1/purchases/validate": ok(VALIDATE_ELECTRICITY),
    "POST /v1/purchases/confirm": ok(CONFIRM_ELECTRICITY),
    "POST /v1/purchases/retry": ok(CONFIRM_ELECTRICITY),
  };

  it("reads the bare vas-products array as the menu's product, with its subscriber rules", async () => {
    server = await startGoldenServer(standard);
    const [product, ...others] = await clientFor(server).products();
    assert.equal(others.length, 0);
    assert.deepEqual(product, {
      type: "ELECTRICITY",
      name: "Electricity",
      subscriberLabel: "Meter Number",
      subscriberMinLength: 11,
      subscriberMaxLength: 13,
      subscriberPattern: "^[0-9]{11,13}$",
      // The document's hint is null: the one its getting-started page suggests, from the lengths.
      subscriberHint: "11-13 digits",
      providers: [{ code: "BPC", name: "Botswana Power Corporation" }],
      issuesToken: true,
      subscriberIsPhone: false,
    });
    assert.equal(server.calls("/v1/vas-products")[0]?.authorization, "Bearer eyJhbGciOi...");
  });

  it("quotes from the validate envelope: the verified name, amount, charge and total", async () => {
    server = await startGoldenServer(standard);
    const quote = await clientFor(server).quote(request());
    assert.deepEqual(quote, {
      customerName: "John Smith",
      amount: "100.00",
      charge: "3.00",
      total: "103.00",
      currency: "BWP",
    });
  });

  it("sends the field table's types: amount a number, the account an integer, source_channel USSD", async () => {
    server = await startGoldenServer(standard);
    await clientFor(server).quote(request());
    const [login] = server.calls("/v1/auth/login");
    assert.deepEqual(Object.keys(login?.body as object).sort(), [
      "client_id",
      "client_secret",
      "grant_type",
      "identifier",
      "org_code",
      "secret_pass",
      "source_channel",
    ]);
    assert.deepEqual(server.calls("/v1/purchases/validate")[0]?.body, {
      source_channel: "USSD",
      language: "en-BW",
      product_type: "ELECTRICITY",
      provider_code: "BPC",
      debited_account_id: 13209,
      beneficiary_phone_number: "26771436390",
      subscriber_identifier: "04040404040",
      amount: 100,
      currency: "BWP",
      charges_on_top_flag: true,
      external_reference: "your-own-ref-123",
    });
  });

  it("refuses a quote whose money is in another currency rather than mis-pricing it", async () => {
    server = await startGoldenServer({
      ...standard,
      "POST /v1/purchases/validate": ok(
        derived(VALIDATE_ELECTRICITY, (body) => {
          body.total = "USD 103.00";
        }),
      ),
    });
    const error = await rejection(() => clientFor(server).quote(request()));
    assert.equal(error.kind, "unavailable");
  });

  it("sells from the electricity confirm: the token, units and every reference", async () => {
    server = await startGoldenServer(standard);
    const sale = await clientFor(server).buy(request());
    assert.deepEqual(sale, {
      vendorTransactionId: "27",
      vendorReference: "TOP/2026/05/1871610007",
      providerReference: "51540",
      token: "0404 0404 0400 0000 0081",
      units: "8.1 kWh",
    });
    assert.equal(server.calls("/v1/purchases/confirm").length, 1);
  });

  it("reads the getting-started excerpt: top-level token, electricity_units 8.1kWh shown as 8.1 kWh", async () => {
    server = await startGoldenServer({
      ...standard,
      "POST /v1/purchases/confirm": ok(CONFIRM_EXCERPT_SINGLE_TOKEN),
    });
    const sale = await clientFor(server).buy(request());
    assert.equal(sale.token, "0404 0404 0400 0000 0081");
    assert.equal(sale.units, "8.1 kWh");
    assert.equal(sale.vendorReference, "TOP/2026/06/1871610006");
  });

  it("keeps a multi-token value whole, in the vendor's order", async () => {
    server = await startGoldenServer({
      ...standard,
      "POST /v1/purchases/confirm": ok(
        derived(CONFIRM_ELECTRICITY, (body) => {
          (body.product as Record<string, unknown>).token = MULTI_TOKEN;
        }),
      ),
    });
    const sale = await clientFor(server).buy(request());
    assert.equal(
      sale.token,
      "KeyChange Token1: 8190 1047 0212 0545 2032|KeyChange Token2: 8190 1047 0112 0545 2032|Credit Token: 0404 0404 1980 0000 1917",
    );
  });

  it("sells airtime without a token, and water with its token and litres", async () => {
    server = await startGoldenServer((req) => {
      if (req.path === "/v1/purchases/confirm") {
        return ok(
          (req.body as { product_type: string }).product_type === "AIRTIME" ? CONFIRM_AIRTIME : CONFIRM_WATER,
        );
      }
      return standard[`${req.method} ${req.path}` as keyof typeof standard];
    });
    const client = clientFor(server);
    const airtime = await client.buy(
      request({ productType: "AIRTIME", providerCode: "MASCOM", subscriberId: "26771436390", amount: "10" }),
    );
    assert.deepEqual(airtime, {
      vendorTransactionId: "28",
      vendorReference: "TOP/2026/05/1871610008",
      providerReference: "AT-998877",
    });
    const water = await client.buy(
      request({ productType: "WATER", providerCode: "WUC", subscriberId: "1234567890", amount: "200" }),
    );
    assert.equal(water.token, "9999 8888 7777 6666 5555");
    assert.equal(water.units, "1500 L");
    assert.equal(water.providerReference, "WUC-44021");
  });

  it("never takes a SUCCESSFUL electricity sale without a token for a delivery: it stays unknown", async () => {
    server = await startGoldenServer({
      ...standard,
      "POST /v1/purchases/confirm": ok(
        derived(CONFIRM_EXCERPT_SINGLE_TOKEN, (body) => {
          delete body.token;
        }),
      ),
    });
    const error = await rejection(() => clientFor(server).buy(request()));
    assert.equal(error.kind, "ambiguous");
  });

  it("reads PENDING and ON_GOING as unknown, FAILED as not sold", async () => {
    for (const [status, kind] of [
      ["PENDING", "ambiguous"],
      ["ON_GOING", "ambiguous"],
      ["FAILED", "rejected"],
    ] as const) {
      server = await startGoldenServer({
        ...standard,
        "POST /v1/purchases/confirm": ok(
          derived(CONFIRM_ELECTRICITY, (body) => {
            body.status = status;
          }),
        ),
      });
      const error = await rejection(() => clientFor(server).buy(request()));
      assert.equal(error.kind, kind, status);
      await server.close();
    }
  });

  it("resolves by retry: the original token from SUCCESSFUL, FAILED at once from any 400-class answer", async () => {
    server = await startGoldenServer(standard);
    const resolved = await clientFor(server).resolve(request());
    assert.equal(resolved.status, "SUCCESSFUL");
    assert.equal(resolved.status === "SUCCESSFUL" && resolved.sale.token, "0404 0404 0400 0000 0081");
    assert.deepEqual(server.calls("/v1/purchases/retry")[0]?.body, {
      source_channel: "USSD",
      language: "en-BW",
      subscriber_identifier: "04040404040",
      external_reference: "your-own-ref-123",
    });
    await server.close();
    for (const status of [400, 403, 404, 409, 422]) {
      server = await startGoldenServer({
        ...standard,
        "POST /v1/purchases/retry": {
          status,
          body: "<html><body>Bad Request</body></html>",
          contentType: "text/html",
        },
      });
      const failed = await clientFor(server).resolve(request());
      assert.equal(failed.status, "FAILED", `HTTP ${status}`);
      await server.close();
    }
    for (const status of [408, 429, 500, 503]) {
      server = await startGoldenServer({ ...standard, "POST /v1/purchases/retry": { status, body: "" } });
      const error = await rejection(() => clientFor(server).resolve(request()));
      assert.equal(error.kind, "ambiguous", `HTTP ${status}`);
      await server.close();
    }
  });

  it("sends confirm once on a 401: nothing was bought, and it is never sent again", async () => {
    server = await startGoldenServer({
      ...standard,
      "POST /v1/purchases/confirm": { status: 401, body: "" },
    });
    const error = await rejection(() => clientFor(server).buy(request()));
    assert.equal(error.kind, "rejected");
    assert.equal(server.calls("/v1/purchases/confirm").length, 1);
  });

  it("falls back to a fresh login when a refresh fails (5xx, unreadable)", async () => {
    // The login answer with a one-second lifetime (derived), so the next call must renew.
    const shortLogin = derived(LOGIN, (body) => {
      body.access_in = 1;
    });
    for (const refresh of [
      { status: 503, body: "" },
      { status: 200, body: "<html>" },
    ]) {
      server = await startGoldenServer({
        ...standard,
        "POST /v1/auth/login": ok(shortLogin),
        "POST /v1/auth/refresh": refresh,
      });
      const client = clientFor(server);
      await client.quote(request());
      await new Promise((resolve) => setTimeout(resolve, 900));
      await client.quote(request());
      assert.equal(server.calls("/v1/auth/refresh").length, 1);
      assert.equal(server.calls("/v1/auth/login").length, 2);
      await server.close();
    }
  });

  it("reads the debit accounts as a bare array, {data} or {accounts}, with a balance of any size", async () => {
    for (const accounts of [
      ACCOUNTS,
      '{"data": [{"id": 13209, "balance": 1250000.5}]}',
      '{"accounts": [{"id": "13209", "balance": "BWP 1250000.50"}]}',
    ]) {
      server = await startGoldenServer({ ...standard, "GET /v1/accounts": ok(accounts) });
      assert.deepEqual(await clientFor(server).balance(), {
        accountId: "13209",
        balance: "1250000.50",
        currency: "BWP",
      });
      await server.close();
    }
  });
});
