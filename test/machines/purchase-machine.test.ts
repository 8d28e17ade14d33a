import assert from "node:assert/strict";
import { createActor, fromPromise, waitFor } from "xstate";
import { purchaseMachine, type QuoteRequest } from "../../machines/purchase/machine.js";
import { type PurchaseOutcome, payCodeFor } from "../../machines/purchase/rules.js";
import { airtime, electricity } from "./products.js";

function journey(options: { payByCode?: boolean; maxAmount?: string; directDial?: boolean } = {}) {
  const quotes: QuoteRequest[] = [];
  const confirmed: string[] = [];
  const machine = purchaseMachine.provide({
    actors: {
      requestQuote: fromPromise(async ({ input }: { input: QuoteRequest }) => {
        quotes.push(input);
        return {
          reference: `REF${quotes.length}`,
          amount: input.amount,
          charge: "1.00",
          total: "x",
          currency: "BWP",
        };
      }),
      confirmPurchase: fromPromise(
        async ({ input }: { input: { reference: string; sessionId: string } }): Promise<PurchaseOutcome> => {
          confirmed.push(input.reference);
          return {
            status: "SUCCESSFUL",
            reference: input.reference,
            tokenCount: 1,
            tokens: [{ token: "1111 2222 3333 4444 5555" }],
          };
        },
      ),
    },
  });
  const actor = createActor(machine, {
    input: {
      sessionId: "s1",
      phone: "26771000001",
      products: [electricity, airtime],
      minAmount: "5.00",
      maxAmount: options.maxAmount ?? "100.00",
      currency: "BWP",
      ...(options.payByCode ? { payByCode: true } : {}),
      ...(options.directDial ? { directDial: true } : {}),
    },
  }).start();
  const send = async (text: string, asPhone: string | null = null) => {
    actor.send({ type: "INPUT", text, asPhone });
    return waitFor(actor, (s) => !s.hasTag("busy"), { timeout: 1000 });
  };
  return { actor, send, quotes, confirmed };
}

describe("purchase machine (plain inputs)", () => {
  it("walks electricity from menu to a confirmed purchase, skipping the single provider", async () => {
    const { send, quotes, confirmed } = journey();
    assert.equal((await send("1")).value, "subscriber");
    const refused = await send("123");
    assert.equal(refused.value, "subscriber");
    assert.deepEqual(refused.context.error, { key: "invalidSubscriber", label: "Meter number" });
    assert.equal((await send("04040404040")).value, "amount");
    const badAmount = await send("10.123");
    assert.equal(badAmount.value, "amount");
    assert.equal(badAmount.context.error?.key, "invalidAmount");
    assert.equal((await send("1000")).context.error?.key, "amountOutOfRange");
    const quoted = await send("50");
    assert.equal(quoted.value, "quote", "the amount leads straight to the quote: four inputs in all");
    assert.deepEqual(
      { ...quotes[0], product: quotes[0]?.product.type },
      {
        sessionId: "s1",
        phone: "26771000001",
        product: "ELECTRICITY",
        providerCode: "P1",
        subscriberId: "04040404040",
        amount: "50.00",
        recipient: "26771000001",
      },
    );
    const done = await send("1");
    assert.equal(done.status, "done");
    assert.deepEqual(confirmed, ["REF1"]);
  });

  it("goes back one step with 0 and home with 00, at every prompt", async () => {
    const { send } = journey();
    await send("1");
    await send("04040404040");
    assert.equal((await send("0")).value, "subscriber");
    await send("04040404040");
    await send("20");
    assert.equal((await send("0")).value, "amount");
    const home = await send("00");
    assert.equal(home.value, "menu");
    assert.equal(home.context.subscriberId, null);
    assert.equal(home.context.amount, null);
  });

  it("asks for a provider when there are several and offers 'my number' for airtime", async () => {
    const { send, quotes } = journey();
    assert.equal((await send("2")).value, "provider");
    assert.deepEqual((await send("5")).context.error, { key: "invalidChoice" });
    assert.equal((await send("2")).value, "subscriberChoice");
    assert.equal((await send("1")).value, "amount");
    // Airtime issues no token: no "who receives the token" step.
    assert.equal((await send("20")).value, "quote");
    assert.equal(quotes[0]?.subscriberId, "26771000001");
    assert.equal(quotes[0]?.providerCode, "B");
    assert.equal((await send("0")).value, "amount");
  });

  it("takes another number as airtime subscriber when typed as a local number", async () => {
    const { send } = journey();
    await send("2");
    await send("1");
    assert.equal((await send("2")).value, "subscriber");
    assert.equal((await send("71436390", "26771436390")).context.subscriberId, "26771436390");
  });

  it("keeps a cancelled quote from ever confirming", async () => {
    const { send, confirmed } = journey();
    await send("1");
    await send("04040404040");
    assert.equal((await send("20")).value, "quote");
    const cancelled = await send("3");
    assert.equal(cancelled.value, "cancelled");
    assert.deepEqual(confirmed, []);
  });

  it("re-asks the amount with the vendor's reason when the vendor refuses the amount, and never confirms", async () => {
    const confirmed: string[] = [];
    const machine = purchaseMachine.provide({
      actors: {
        requestQuote: fromPromise(async ({ input }: { input: QuoteRequest }) => {
          if (input.amount === "20.00") {
            throw Object.assign(new Error("below minimum"), {
              kind: "rejected",
              failure: { cause: "below_minimum", minimum: "BWP 50.00" },
              refusedInput: "amount",
            });
          }
          return {
            reference: "OK1",
            amount: input.amount,
            charge: "0.00",
            total: input.amount,
            currency: "BWP",
          };
        }),
        confirmPurchase: fromPromise(
          async ({
            input,
          }: {
            input: { reference: string; sessionId: string };
          }): Promise<PurchaseOutcome> => {
            confirmed.push(input.reference);
            return {
              status: "SUCCESSFUL",
              reference: input.reference,
              tokenCount: 1,
              tokens: [{ token: "1111 2222 3333 4444 5555" }],
            };
          },
        ),
      },
    });
    const actor = createActor(machine, {
      input: {
        sessionId: "s",
        phone: "26771000001",
        products: [electricity],
        minAmount: "5.00",
        maxAmount: "100.00",
        currency: "BWP",
      },
    }).start();
    const send = async (text: string) => {
      actor.send({ type: "INPUT", text, asPhone: null });
      return waitFor(actor, (s) => !s.hasTag("busy"), { timeout: 1000 });
    };
    await send("1");
    await send("04040404040");
    const refused = await send("20");
    assert.equal(refused.value, "amount");
    assert.deepEqual(refused.context.error, {
      key: "vendor",
      failure: { cause: "below_minimum", minimum: "BWP 50.00" },
    });
    assert.equal((await send("0")).value, "subscriber", "back still leads to the step before the amount");
    await send("04040404040");
    assert.equal((await send("60")).value, "quote");
    assert.deepEqual(confirmed, []);
  });
});

describe("purchase machine paying by code (aggregators without a hop counter)", () => {
  it("pays only with the quote's code, which is none of the inputs typed before", async () => {
    // The code the first quote (REF1) would get if nothing stood in its way, typed as an amount: it must
    // then not be the code, or a late retry of that amount would pay.
    const natural = payCodeFor("REF1", []);
    const { send, confirmed } = journey({ payByCode: true, maxAmount: "9999.00" });
    await send("1");
    await send("04040404040");
    const quote = await send(natural);
    assert.equal(quote.value, "quote");
    const code = quote.context.payCode ?? "";
    assert.match(code, /^\d{4}$/);
    assert.notEqual(code, natural);
    for (const typed of quote.context.typed) assert.notEqual(code, typed);

    // Every earlier input again (as a late retry would bring it) changes nothing.
    for (const again of ["1", "04040404040", natural]) {
      const after = await send(again);
      assert.equal(after.value, "quote");
      assert.equal(after.context.error, null);
      assert.equal(after.context.payCode, code);
    }
    assert.deepEqual(confirmed, []);
    assert.equal((await send(code)).status, "done");
    assert.deepEqual(confirmed, ["REF1"]);
  });

  it("holds when the amount leads straight to the quote and equals the code the quote would have had", async () => {
    // A direct dial goes from the amount to the quote, as the journey will once the recipient step goes.
    const natural = payCodeFor("REF1", []);
    const { send, confirmed } = journey({ payByCode: true, maxAmount: "9999.00", directDial: true });
    await send("1");
    await send("04040404040");
    const quote = await send(natural);
    assert.equal(quote.value, "quote");
    assert.notEqual(quote.context.payCode, natural);
    assert.equal((await send(natural)).value, "quote", "the amount again does not pay");
    assert.equal((await send(quote.context.payCode ?? "")).status, "done");
    assert.deepEqual(confirmed, ["REF1"]);
  });

  it("pays with 1 where the aggregator tells its hops apart", async () => {
    const { send, confirmed } = journey();
    await send("1");
    await send("04040404040");
    await send("50");
    const quote = await send("1");
    assert.equal(quote.context.payCode, null);
    assert.equal((await send("1")).status, "done");
    assert.deepEqual(confirmed, ["REF1"]);
  });
});

describe("payCodeFor", () => {
  it("is 4 digits, the same for the same quote, and moves past every typed input", () => {
    const code = payCodeFor("P7K2M9QX4A", []);
    assert.match(code, /^[1-9]\d{3}$/);
    assert.equal(payCodeFor("P7K2M9QX4A", ["1", "100"]), code);
    const next = payCodeFor("P7K2M9QX4A", [code]);
    assert.notEqual(next, code);
    assert.match(next, /^\d{4}$/);
  });

  it("finds a free code even when every 4-digit code was typed", () => {
    const all = Array.from({ length: 9000 }, (_, i) => String(1000 + i));
    const code = payCodeFor("X", all);
    assert.ok(!all.includes(code));
  });
});
