// Aggregators retry callbacks whose reply they lost, and a retry can arrive late, after the session moved
// on. Property, per wire format: walk a session to the quote, then send every earlier hop again, in every
// order at once and in a seeded sample of orders late (after USSD_REPEAT_WINDOW_MS): every one is answered
// with the quote screen, and the vendor sees no validate (the only way a purchase enters the ledger) and no
// confirm. Then the customer's real Pay pays exactly once.
import assert from "node:assert/strict";
import request from "supertest";
import {
  africasTalkingDriver,
  drivers,
  payInput,
  type Screen,
  type WireDriver,
} from "../helpers/aggregator-drivers.js";
import { type Rig, startRig } from "../helpers/journey.js";

const WINDOW_MS = 30;
/** The walk to the quote: product, meter, amount. */
const WALK = ["1", "04040404040", "100"];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** A small seeded generator (mulberry32), so a failing order can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

type App = Rig["service"]["app"];

/** One session as its aggregator sends it: hop 0 is the dial, hop n the n-th input (resendable as is). */
function session(driver: WireDriver, app: App, id: string) {
  const sent: (() => Promise<request.Response>)[] = [];
  const read = (res: request.Response): Screen => {
    assert.equal(res.status, 200, res.text);
    return driver.read(res);
  };
  const hop = (n: number, input: string): (() => Promise<request.Response>) => {
    if (n === 0) return () => driver.first(app, id, "*384*123#");
    // Africa's Talking carries the whole path; Hubtel numbers its hops (Sequence 1 is the dial).
    const text = driver === africasTalkingDriver ? [...inputs, input].join("*") : input;
    return () => driver.next(app, id, text, n + 1);
  };
  const inputs: string[] = [];
  return {
    /** Sends the next hop (the dial first) and keeps it for resending. */
    async step(input = ""): Promise<Screen> {
      const send = hop(sent.length, input);
      if (sent.length > 0) inputs.push(input);
      sent.push(send);
      return read(await send());
    },
    /** Sends earlier hop `n` again, exactly as the aggregator sent it. */
    async again(n: number): Promise<Screen> {
      return read(await (sent[n] as () => Promise<request.Response>)());
    },
    get hops(): number {
      return sent.length;
    },
  };
}

const confirmsOf = (rig: Rig) => [...rig.sandbox.stats.confirms.values()].reduce((a, b) => a + b, 0);

let counter = 0;

describe("stale aggregator hops never move a session", function () {
  this.timeout(60_000);
  let rig: Rig;
  before(async () => {
    rig = await startRig({
      USSD_SERVICE_CODES: "*384*123#",
      USSD_NEW_SESSIONS_PER_MINUTE: "1000",
      USSD_REPEAT_WINDOW_MS: String(WINDOW_MS),
    });
  });
  after(async () => {
    await rig.close();
  });

  it("Hubtel's late retry of Sequence 2 (`1`) on the quote answers the quote again and buys nothing", async () => {
    const hubtel = drivers.find((d) => d.name === "hubtel") as WireDriver;
    const app = rig.service.app;
    const id = `hubtel-late-${process.pid}`;
    hubtel.read(await hubtel.first(app, id, "*384*123#"));
    await hubtel.next(app, id, "1", 2);
    await hubtel.next(app, id, "04040404040", 3);
    // Four inputs to the quote: dial, `1`, the meter, the amount.
    const quote = hubtel.read(await hubtel.next(app, id, "100", 4));
    assert.match(quote.text, /Total BWP 103\.00\n1 Pay\n/);
    const confirms = confirmsOf(rig);
    const validates = rig.sandbox.stats.validates;
    await sleep(WINDOW_MS + 20);

    assert.deepEqual(hubtel.read(await hubtel.next(app, id, "1", 2)), quote);
    assert.equal(confirmsOf(rig), confirms, "no confirm reached the vendor");
    assert.equal(rig.sandbox.stats.validates, validates, "no new quote");
    // The customer's own Pay (Sequence 5) pays.
    assert.match(hubtel.read(await hubtel.next(app, id, "1", 5)).text, /^Paid\./);
    assert.equal(confirmsOf(rig), confirms + 1);
  });

  it("Nalo without SESSIONID (one id for every dial of a phone): a quick repeat of the dial is a retry, a later dial starts afresh, also after an ended session", async () => {
    const app = rig.service.app;
    const nalo = (USERDATA: string, MSGTYPE: boolean) =>
      request(app)
        .post("/ussd/nalo")
        .send({ USERID: "NALOTest", MSISDN: "233509999001", USERDATA, MSGTYPE, NETWORK: "MTN" })
        .then((res) => {
          assert.equal(res.status, 200, res.text);
          return { text: res.body.MSG as string, end: res.body.MSGTYPE === false };
        });
    const menu = await nalo("*384*123#", true);
    assert.match(menu.text, /^Buy:/);
    // The dial again at once: Nalo retrying it.
    assert.deepEqual(await nalo("*384*123#", true), menu);
    assert.match((await nalo("1", false)).text, /Enter meter number/);
    await sleep(WINDOW_MS + 20);
    // Later: the customer dialled again.
    assert.match((await nalo("*384*123#", true)).text, /^(Buy:|1 Continue)/);
    const ended = await nalo("4", false);
    assert.equal(ended.end, true);
    await sleep(WINDOW_MS + 20);
    assert.match((await nalo("*384*123#", true)).text, /^(Buy:|1 Continue)/);
  });

  for (const driver of [africasTalkingDriver, ...drivers]) {
    it(`${driver.name}: every earlier hop again, at once and late, in any order, changes nothing; Pay pays once`, async () => {
      const app = rig.service.app;
      const s = session(driver, app, `${driver.name}-stale-${process.pid}-${++counter}`);
      await s.step();
      for (const input of WALK.slice(0, -1)) await s.step(input);
      const quote = await s.step(WALK.at(-1));
      assert.match(quote.text, /John Smith/);
      assert.equal(quote.end, false);
      const validates = rig.sandbox.stats.validates;
      const confirms = confirmsOf(rig);
      const earlier = Array.from({ length: s.hops }, (_, n) => n);

      // At once: every order of the earlier hops, each order's hops concurrently.
      for (const order of permutations(earlier)) {
        const screens = await Promise.all(order.map((n) => s.again(n)));
        for (const [i, screen] of screens.entries()) {
          assert.deepEqual(screen, quote, `hop ${order[i]} of order ${order.join(",")}`);
        }
      }
      // Late: a seeded sample of orders, every hop after the repeat window has passed.
      const random = seeded(11 + counter);
      for (let sample = 0; sample < 5; sample++) {
        const order = shuffled(earlier, random);
        for (const n of order) {
          await sleep(WINDOW_MS + 10);
          assert.deepEqual(await s.again(n), quote, `late hop ${n} of order ${order.join(",")}`);
        }
      }
      assert.equal(rig.sandbox.stats.validates, validates, "no new quote (nothing added to the ledger)");
      assert.equal(confirmsOf(rig), confirms, "no confirm");

      const paid = await s.step(payInput(driver, quote));
      assert.equal(paid.end, true);
      assert.match(paid.text, /^Paid\./);
      assert.equal(confirmsOf(rig), confirms + 1, "one confirm");
      // The Pay hop itself retried, and every other hop again: the same answer, no second confirm.
      for (let n = 0; n < s.hops; n++) assert.deepEqual(await s.again(n), paid);
      assert.equal(confirmsOf(rig), confirms + 1, "still one confirm");
    });
  }
});
