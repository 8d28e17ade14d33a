// A complete electricity purchase through every aggregator's wire format, with every screen checked
// against that aggregator's limit, plus direct dial where the aggregator passes the dialled string.
import assert from "node:assert/strict";
import type request from "supertest";
import { en } from "../../machines/copy/en.js";
import { paginate } from "../../machines/purchase/screens.js";
import { ussdCapacity } from "../../src/text/gsm7.js";
import { drivers, payInput, type Screen, type WireDriver } from "../helpers/aggregator-drivers.js";
import { type Rig, startRig } from "../helpers/journey.js";

let counter = 0;

for (const driver of drivers) {
  describe(`USSD through ${driver.name}`, function () {
    this.timeout(20_000);
    let rig: Rig;
    before(async () => {
      // Tests type faster than people: no input here is an aggregator retry.
      rig = await startRig({
        USSD_SERVICE_CODES: "*384*123#",
        USSD_NEW_SESSIONS_PER_MINUTE: "50",
        USSD_REPEAT_WINDOW_MS: "0",
      });
    });
    after(async () => {
      await rig.close();
    });

    const play = () => {
      const id = `${driver.name}${process.pid}x${++counter}`;
      let hop = 1;
      const check = (res: request.Response): Screen => {
        assert.equal(res.status, 200, res.text);
        const screen = driver.read(res);
        assert.equal(typeof screen.text, "string", res.text);
        const capacity = ussdCapacity(screen.text, driver.limit);
        assert.ok(capacity.fits, `${capacity.length} > ${driver.limit} on ${driver.name}:\n${screen.text}`);
        return screen;
      };
      return {
        dial: async (dial = "*384*123#") => check(await driver.first(rig.service.app, id, dial)),
        send: async (text: string) => check(await driver.next(rig.service.app, id, text, ++hop)),
      };
    };

    it("buys electricity end to end, every screen within the aggregator's limit", async () => {
      const s = play();
      const menu = await s.dial();
      assert.equal(menu.end, false);
      assert.match(menu.text, /Electricity/);
      assert.match((await s.send("1")).text, /Enter meter number/);
      assert.match((await s.send("04040404040")).text, /Enter amount/);
      const quote = await s.send("100");
      assert.match(quote.text, /John Smith/);
      assert.match(quote.text, /Total BWP 103\.00/);
      const paid = await s.send(payInput(driver, quote));
      assert.equal(paid.end, true);
      assert.match(paid.text, /^Paid\./);
      const [sms] = await rig.waitForSms(`+${driver.phone}`, 1);
      assert.match(sms ?? "", /0404 0404 0400 0000 0081/);
    });

    it("keeps the airtime provider list and error screens within the limit", async () => {
      const s = play();
      await s.dial();
      const providers = await s.send("2");
      assert.match(providers.text, /Mascom/);
      assert.match((await s.send("9")).text, /Invalid choice/);
      await s.send("0");
      await s.send("3");
      assert.match((await s.send("123")).text, /Invalid water meter number/);
      assert.match((await s.send("00")).text, /Buy:/);
    });

    it("jumps straight to the quote when product, meter and amount are dialled", async () => {
      const s = play();
      const quote = await s.dial("*384*123*1*04040404040*50#");
      assert.match(quote.text, /John Smith/);
      assert.match(quote.text, /Total BWP 53\.00/);
      assert.match((await s.send(payInput(driver, quote))).text, /^Paid\./);
    });

    it("lands a dialled bad meter on the meter prompt with the error, asking the vendor nothing", async () => {
      const s = play();
      const validates = rig.sandbox.stats.validates;
      const screen = await s.dial("*384*123*1*0404*50#");
      assert.match(screen.text, /^Invalid meter number\.\nEnter meter number/);
      assert.equal(rig.sandbox.stats.validates, validates);
    });
  });
}

describe("long lists", () => {
  it("paginate within every aggregator's limit, never splitting an option, cycling with 98", () => {
    const options = Array.from({ length: 14 }, (_, i) => `Provider number ${i + 1} of a long list`);
    for (const limit of [120, 160, 182]) {
      const seen = new Set<string>();
      for (let page = 0; page < 12; page++) {
        const fits = (text: string) => ussdCapacity(text, limit).fits;
        const screen = paginate("Choose a provider:", options, page, { fits, words: en }, ["0 Back 00 Menu"]);
        assert.ok(ussdCapacity(screen, limit).fits, `${limit}: ${screen}`);
        assert.match(screen, /\n98 More\n0 Back 00 Menu$/);
        for (const line of screen.split("\n")) {
          const match = /^(\d+) (.*)$/.exec(line);
          if (match && match[1] !== "98" && match[1] !== "0") {
            assert.equal(match[2], options[Number(match[1]) - 1], "options keep their numbers, whole");
            seen.add(line);
          }
        }
      }
      assert.equal(seen.size, options.length, `every option reachable at ${limit}`);
    }
  });
});

describe("aggregator retries of a callback whose reply was lost", function () {
  this.timeout(20_000);
  let rig: Rig;
  before(async () => {
    rig = await startRig({ USSD_SERVICE_CODES: "*384*123#" });
  });
  after(async () => {
    await rig.close();
  });

  it("Hubtel: the same Sequence again gets the same reply and no second vendor call", async () => {
    const hubtel = drivers.find((d) => d.name === "hubtel") as WireDriver;
    const app = rig.service.app;
    await hubtel.first(app, "hubretry", "*384*123*1*04040404040#");
    await hubtel.next(app, "hubretry", "40", 2);
    const quote = hubtel.read(await hubtel.next(app, "hubretry", "1", 3));
    const validates = rig.sandbox.stats.validates;
    const again = hubtel.read(await hubtel.next(app, "hubretry", "1", 3));
    assert.deepEqual(again, quote);
    assert.equal(rig.sandbox.stats.validates, validates);
    // The customer's own "1" (next Sequence) pays.
    assert.match(hubtel.read(await hubtel.next(app, "hubretry", "1", 4)).text, /^Paid/);
  });

  it("without a hop counter (Arkesel): the same input within the window is a retry, never a second step", async () => {
    const arkesel = drivers.find((d) => d.name === "arkesel") as WireDriver;
    const app = rig.service.app;
    await arkesel.first(app, "arkretry", "*384*123#");
    await arkesel.next(app, "arkretry", "1", 2);
    await arkesel.next(app, "arkretry", "04040404040", 3);
    const quote = arkesel.read(await arkesel.next(app, "arkretry", "40", 4));
    assert.match(quote.text, /John Smith/);
    const confirms = rig.sandbox.stats.confirms.size;
    const code = payInput(arkesel, quote);
    // A lost reply to the amount retried at once is answered again and changes nothing.
    const retried = arkesel.read(await arkesel.next(app, "arkretry", "40", 5));
    assert.deepEqual(retried, quote);
    assert.equal(rig.sandbox.stats.confirms.size, confirms, "nothing bought");
    assert.match(arkesel.read(await arkesel.next(app, "arkretry", code, 6)).text, /^Paid/);
  });
});
