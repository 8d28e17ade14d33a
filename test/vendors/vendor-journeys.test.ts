// The USSD and SMS journeys, run once per vendor over real HTTP to that vendor's sandbox in its own wire
// format. The session machine, SMS flow, ledger and money rules are the same code for all of them.
import assert from "node:assert/strict";
import request from "supertest";
import { option, type UssdDialog } from "../helpers/journey.js";
import { VENDOR_FIXTURES, type VendorFixture, type VendorRig } from "../helpers/vendor-fixtures.js";

/** Menu → electricity → (provider) → meter → amount → my phone: returns the screen after the amount. */
async function toQuote(
  f: VendorFixture,
  dialog: UssdDialog,
  meter: string,
  amount = f.amount,
): Promise<string> {
  const menu = await dialog.start();
  let screen = await dialog.send(option(menu, "Electricity"));
  if (f.provider) screen = await dialog.send(option(screen, f.provider));
  assert.match(screen, /^CON Enter meter number/);
  await dialog.send(meter);
  return dialog.send(amount);
}

for (const f of VENDOR_FIXTURES) {
  describe(`journeys with VENDOR=${f.vendor}`, function () {
    this.timeout(30_000);
    let rig: VendorRig;
    beforeEach(async () => {
      rig = await f.start({});
    });
    afterEach(async () => {
      await rig.close();
    });
    const phone = (i: number) => f.phones[i] as string;

    it("shows only what the vendor sells on the menu", async () => {
      const menu = await rig.dial(phone(0)).start();
      const lines = menu.slice(4).split("\n").slice(1);
      assert.deepEqual(
        lines.map((l) => l.replace(/^\d+ /, "")),
        [...f.menu, "My last tokens"],
      );
    });

    it("sells a token by USSD: quote with the verified name, one buy, the token by SMS", async () => {
      const dialog = rig.dial(phone(0));
      const quote = await toQuote(f, dialog, f.meters.single.meter);
      assert.match(quote, new RegExp(f.meters.single.name));
      assert.match(quote, new RegExp(`Total ${f.currency} `));
      assert.match(await dialog.send("1"), /^END Paid/);
      const [sms] = await rig.waitForSms(phone(0), 1);
      assert.match(sms ?? "", new RegExp(f.meters.single.token));
      assert.equal(rig.probe.buys(), 1);
    });

    if (f.meters.multi) {
      const multi = f.meters.multi;
      it("sends several tokens in the vendor's order", async () => {
        const dialog = rig.dial(phone(1));
        await toQuote(f, dialog, multi.meter);
        await dialog.send("1");
        const texts = await rig.waitForSms(phone(1), multi.tokens.length);
        for (const [i, token] of multi.tokens.entries()) assert.match(texts[i] ?? "", new RegExp(token));
      });
    }

    it("shows the vendor's reason when it refuses the quote, and buys nothing", async () => {
      const dialog = rig.dial(phone(2));
      const refused = await toQuote(f, dialog, f.meters.refused.meter);
      assert.match(refused, /^CON /);
      assert.match(refused, f.meters.refused.reason);
      assert.doesNotMatch(refused, /response_code|[{}]/);
      assert.equal(rig.probe.buys(), 0);
    });

    it("reports insufficient funds on the handset in the vendor's words, and sends no token", async () => {
      const dialog = rig.dial(phone(3));
      await toQuote(f, dialog, f.meters.insufficientFunds.meter);
      const failed = await dialog.send("1");
      assert.match(failed, /^END Purchase failed: .* You have not been charged\./);
      assert.match(failed, f.meters.insufficientFunds.reason);
      assert.equal(rig.probe.buys(), 1);
    });

    it("resolves a hanging buy that succeeded: one buy, the token after resolution", async () => {
      const dialog = rig.dial(phone(4));
      await toQuote(f, dialog, f.meters.hangThenSucceed.meter);
      assert.match(await dialog.send("1"), /^END Your purchase is being processed/);
      const [sms] = await rig.waitForSms(phone(4), 1, 12_000);
      assert.match(sms ?? "", new RegExp(f.meters.hangThenSucceed.token));
      assert.equal(rig.probe.buys(), 1);
      assert.ok(rig.probe.resolves() >= 1);
    });

    it("tells the customer by SMS when a hanging buy failed: one buy, no token", async () => {
      const dialog = rig.dial(phone(5));
      await toQuote(f, dialog, f.meters.hangThenFail);
      assert.match(await dialog.send("1"), /^END Your purchase is being processed/);
      const [sms] = await rig.waitForSms(phone(5), 1, 12_000);
      assert.match(sms ?? "", /not been charged/);
      assert.equal(rig.probe.buys(), 1);
      // ScratchPower's retry answers the failure definitely: the customer is told at the first answer.
      if (f.vendor.startsWith("scratchpower")) assert.equal(rig.probe.resolves(), 1);
    });

    it("sells by SMS: quote, YES with the code, the token", async () => {
      const send = (text: string, id: string) =>
        request(rig.service.app)
          .post("/sms/africastalking")
          .type("form")
          .send({ from: phone(0), text, id });
      const words = ["ELEC", f.smsProvider, f.meters.single.meter, f.amount].filter(Boolean).join(" ");
      await send(words, `${f.vendor}-q`);
      const [quote] = await rig.waitForSms(phone(0), 1);
      assert.match(quote ?? "", new RegExp(f.meters.single.name));
      const code = quote?.match(/YES (\d{4})/)?.[1];
      assert.ok(code, quote);
      await send(`YES ${code}`, `${f.vendor}-y`);
      const texts = await rig.waitForSms(phone(0), 2);
      assert.match(texts[1] ?? "", new RegExp(f.meters.single.token));
      assert.equal(rig.probe.buys(), 1);
    });

    if (f.meters.belowMinimum) {
      const below = f.meters.belowMinimum;
      it("re-asks an amount under the vendor's minimum, showing the minimum, and never buys it", async () => {
        const dialog = rig.dial(phone(1));
        const reasked = await toQuote(f, dialog, below.meter, "500");
        assert.match(reasked, new RegExp(`^CON The minimum purchase is ${f.currency} ${below.minimum}\\.`));
        assert.match(reasked, /Enter amount/);
        assert.doesNotMatch(reasked, /605/);
        const quote = await dialog.send("1500");
        assert.match(quote, /Total NGN 1500\.00/);
        assert.equal(rig.probe.buys(), 0, "the amount under the minimum was never sent to buy");
      });
    }
  });
}
