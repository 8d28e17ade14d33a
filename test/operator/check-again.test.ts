// "Check with the vendor again" on a purchase the resolver gave up on: the resolver's own step (Powershop's
// transaction status, never a second token generation), telling the operator when the vendor cannot tell
// yet, and clearing the flag once it can.
import assert from "node:assert/strict";
import { type ListeningService, startListeningService } from "../helpers/operator.js";

const csrfOf = (html: string) =>
  /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? /const csrf = "([^"]*)"/.exec(html)?.[1];

describe("operator: check with the vendor again", function () {
  this.timeout(30_000);
  let running: ListeningService;
  before(async () => {
    // The sandbox holds this meter's generation for 3 s and answers its status without a token until
    // then; the buy times out after 0.5 s and the resolver gives up after one attempt.
    running = await startListeningService({
      VENDOR: "powershop",
      SANDBOX_CONFIRM_HANG_MS: "3000",
      CONFIRM_TIMEOUT_MS: "500",
      CONFIRM_WAIT_MS: "500",
      RESOLVE_ATTEMPTS: "1",
      RESOLVE_BACKOFF_MS: "100",
      USSD_REPEAT_WINDOW_MS: "0",
    });
  });
  after(async () => {
    await running.close();
  });

  it("says 'still unknown' while the vendor cannot tell, then resolves it, sends the token and clears the flag", async () => {
    const phone = "+2348031234567";
    const simulator = await (await fetch(`${running.url}/simulator`)).text();
    const inputs: string[] = [];
    let text = "";
    for (const input of [undefined, "1", "1", "0101570000044", "1000", "1", "1"]) {
      if (input !== undefined) inputs.push(input);
      const res = await fetch(`${running.url}/simulator/ussd`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrfOf(simulator) ?? "" },
        body: JSON.stringify({
          aggregator: "hubtel",
          phone,
          sessionId: "checkagain1",
          dial: "*384*123#",
          hop: inputs.length + 1,
          inputs,
        }),
      });
      text = (await res.json()).text;
    }
    const reference = /Ref (\w{10})/.exec(text)?.[1];
    assert.ok(reference, text);

    const detail = () => fetch(`${running.url}/operator/purchase/${reference}`).then((r) => r.text());
    // The resolver gives up (one attempt): the purchase is flagged for the operator.
    let page = "";
    for (const until = Date.now() + 5000; Date.now() < until; ) {
      page = await detail();
      if (page.includes("retries exhausted")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(page, /retries exhausted/);
    const checkAgain = async () => {
      const res = await fetch(`${running.url}/operator/purchase/${reference}/check-again`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf: csrfOf(page) ?? "" }).toString(),
      });
      assert.equal(res.status, 303);
      return fetch(`${running.url}${res.headers.get("location")}`).then((r) => r.text());
    };
    const first = await checkAgain();
    assert.match(first, /could not tell yet/);
    assert.match(first, /<span class="status">UNKNOWN<\/span>/);
    assert.match(first, /local: check-again \(still unknown\)/);

    // Once the vendor's generation is over, its status has the token.
    let after = first;
    for (const until = Date.now() + 10_000; Date.now() < until && !after.includes("is resolved"); ) {
      await new Promise((r) => setTimeout(r, 250));
      after = await checkAgain();
    }
    assert.match(after, /is resolved/);
    assert.match(after, /<span class="status">SUCCESSFUL<\/span>/);
    assert.doesNotMatch(after, /retries exhausted/);
    const inbox = await (
      await fetch(`${running.url}/simulator/inbox?phone=${encodeURIComponent(phone)}`)
    ).json();
    assert.ok(
      inbox.messages.some(
        (m: { text: string }) => /token/i.test(m.text) && /\d{4} \d{4} \d{4} \d{4} \d{4}/.test(m.text),
      ),
      JSON.stringify(inbox.messages),
    );
    const home = await (await fetch(`${running.url}/operator`)).text();
    assert.ok(!home.includes(`data-reference="${reference}"`), "no longer needs attention");
  });
});
