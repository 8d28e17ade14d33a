// Who may open the operator page and the simulator, CSRF on actions, the audit trail, and what a page
// never shows. Over real HTTP to the whole service (built-in sandbox, log SMS gateway).
import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { ConfigError, loadConfig } from "../../src/config.js";
import { hashOperatorPassword } from "../../src/operator/auth.js";
import { type ListeningService, startListeningService } from "../helpers/operator.js";
import { scratchPowerSandboxEnv } from "../helpers/scratchpower-env.js";

/** This machine's first non-loopback IPv4 address: a caller from there is not local. */
function outsideAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === "IPv4")?.address;
  assert.ok(address, "this test needs a non-loopback IPv4 interface to call from");
  return address;
}

const csrfOf = (html: string) =>
  /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? /const csrf = "([^"]*)"/.exec(html)?.[1];

/** Buys electricity through the simulator's API (the real webhook behind it); returns the reference. */
async function buyThroughSimulator(
  base: string,
  phone: string,
  meter: string,
  headers: Record<string, string> = {},
) {
  const page = await (await fetch(`${base}/simulator`, { headers })).text();
  const csrf = csrfOf(page) ?? "";
  const inputs: string[] = [];
  const sessionId = `t${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  let screen: { text: string; end: boolean } = { text: "", end: false };
  for (const input of [undefined, "1", meter, "100", "1", "1"]) {
    if (input !== undefined) inputs.push(input);
    const res = await fetch(`${base}/simulator/ussd`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf, ...headers },
      body: JSON.stringify({
        aggregator: "africastalking",
        phone,
        sessionId,
        dial: "*384*123#",
        hop: inputs.length + 1,
        inputs,
      }),
    });
    assert.equal(res.status, 200);
    screen = await res.json();
  }
  assert.match(screen.text, /^Paid|SMS/, screen.text);
  return /Ref (\w{10})/.exec(screen.text)?.[1] ?? "";
}

describe("operator page: access", function () {
  this.timeout(30_000);

  it("answers only on this machine with the sandbox and no credentials", async () => {
    const running = await startListeningService();
    try {
      assert.equal((await fetch(`${running.url}/operator`)).status, 200);
      assert.equal((await fetch(`${running.url}/simulator`)).status, 200);
      const outside = `http://${outsideAddress()}:${running.port}`;
      const remote = await fetch(`${outside}/operator`);
      assert.equal(remote.status, 403);
      assert.match(await remote.text(), /only on this machine/);
      assert.equal((await fetch(`${outside}/simulator`)).status, 403);
      // X-Forwarded-For cannot make a remote caller local.
      const forged = await fetch(`${outside}/operator`, { headers: { "x-forwarded-for": "127.0.0.1" } });
      assert.equal(forged.status, 403);
    } finally {
      await running.close();
    }
  });

  it("refuses the page with a real vendor and no credentials, and has no simulator unless SIMULATOR=on", async () => {
    const { startScratchPowerSandbox } = await import("../../src/vending/sandbox/scratchpower-v1.js");
    const vendor = await startScratchPowerSandbox();
    const real = {
      ...scratchPowerSandboxEnv(vendor.url),
    };
    const off = await startListeningService(real);
    const on = await startListeningService({
      ...real,
      SIMULATOR: "on",
      OPERATOR_TOKEN: "a-long-operator-token-1",
    });
    try {
      const refused = await fetch(`${off.url}/operator`);
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /OPERATOR_USERS or OPERATOR_TOKEN/);
      assert.equal((await fetch(`${off.url}/simulator`)).status, 404);
      const bearer = { authorization: "Bearer a-long-operator-token-1" };
      assert.equal((await fetch(`${on.url}/simulator`, { headers: bearer })).status, 200);
      assert.equal((await fetch(`${on.url}/simulator`, { redirect: "manual" })).status, 303, "login first");
    } finally {
      await off.close();
      await on.close();
      await vendor.close();
    }
  });

  it("requires a login with OPERATOR_USERS, from loopback too, and signs in with the right password only", async () => {
    const hash = await hashOperatorPassword("correct horse battery");
    const running = await startListeningService({ OPERATOR_USERS: `mpho:${hash}` });
    try {
      const first = await fetch(`${running.url}/operator`, { redirect: "manual" });
      assert.equal(first.status, 303);
      assert.match(first.headers.get("location") ?? "", /^\/operator\/login\?next=%2Foperator$/);
      const login = (password: string) =>
        fetch(`${running.url}/operator/login`, {
          method: "POST",
          redirect: "manual",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ user: "mpho", password, next: "/operator" }).toString(),
        });
      const wrong = await login("wrong horse battery");
      assert.match(wrong.headers.get("location") ?? "", /failed/);
      assert.equal(wrong.headers.get("set-cookie"), null);
      const right = await login("correct horse battery");
      assert.equal(right.headers.get("location"), "/operator");
      const cookie = (right.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      assert.match(
        right.headers.get("set-cookie") ?? "",
        /HttpOnly.*SameSite=Strict|SameSite=Strict.*HttpOnly/i,
      );
      const page = await fetch(`${running.url}/operator`, { headers: { cookie } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Signed in as mpho/);
      // A tampered cookie is no login.
      const forged = cookie.replace(/^operator_session=mpho/, "operator_session=admin");
      assert.equal(
        (await fetch(`${running.url}/operator`, { headers: { cookie: forged }, redirect: "manual" })).status,
        303,
      );
    } finally {
      await running.close();
    }
  });

  it("names OPERATOR_USERS and OPERATOR_TOKEN at startup when they are malformed", () => {
    assert.throws(
      () => loadConfig({ OPERATOR_USERS: "mpho:plaintext" }),
      (e: unknown) => e instanceof ConfigError && /OPERATOR_USERS: must be name:scrypt/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ OPERATOR_TOKEN: "short" }),
      (e: unknown) => e instanceof ConfigError && /OPERATOR_TOKEN: must be at least 16/.test(e.message),
    );
  });
});

describe("operator page: actions and what it shows", function () {
  this.timeout(30_000);
  let running: ListeningService;
  before(async () => {
    running = await startListeningService({ USSD_NEW_SESSIONS_PER_MINUTE: "50" });
  });
  after(async () => {
    await running.close();
  });

  it("re-sends tokens only with the page's CSRF token, and writes who did it to the audit trail", async () => {
    const phone = "+26771800001";
    const reference = await buyThroughSimulator(running.url, phone, "04040404040");
    const detail = await (await fetch(`${running.url}/operator/purchase/${reference}`)).text();
    const csrf = csrfOf(detail);
    assert.ok(csrf);
    const resend = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${running.url}/operator/purchase/${reference}/resend-tokens`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(body).toString(),
      });
    assert.equal((await resend({})).status, 403, "no CSRF token");
    assert.equal((await resend({ csrf: "forged" })).status, 403);
    assert.equal((await resend({ csrf }, { origin: "http://evil.example" })).status, 403, "another site");
    const ok = await resend({ csrf });
    assert.equal(ok.status, 303);
    const after = await (await fetch(`${running.url}${ok.headers.get("location")}`)).text();
    assert.match(after, /The tokens are being sent again/);
    assert.match(after, /local: resend-tokens \(tokens queued\)/);
    const inbox = await (
      await fetch(`${running.url}/simulator/inbox?phone=${encodeURIComponent(phone)}`)
    ).json();
    const tokens = inbox.messages.filter((m: { text: string }) =>
      m.text.includes("0404 0404 0400 0000 0081"),
    );
    assert.equal(tokens.length, 2, "the token SMS, then the re-sent one");
  });

  it("finds a purchase by reference, phone or meter, showing neither the token nor the whole phone or meter", async () => {
    const phone = "+26771800002";
    const reference = await buyThroughSimulator(running.url, phone, "04040404198");
    for (const q of [reference, phone, "04040404198"]) {
      const html = await (await fetch(`${running.url}/operator?q=${encodeURIComponent(q)}`)).text();
      assert.match(html, new RegExp(`<a href="/operator/purchase/${reference}">`), `search ${q}`);
      assert.ok(!html.includes("71800002"), "whole phone number on the page");
      assert.ok(!html.includes("04040404198"), "whole meter number on the page");
      assert.ok(!html.includes("8190 1047"), "token on the page");
      assert.match(html, /\*{7}4198/);
    }
    const detail = await (await fetch(`${running.url}/operator/purchase/${reference}`)).text();
    assert.ok(!detail.includes("8190 1047") && !detail.includes("1917"), "token on the detail page");
    assert.match(detail, /3 token\(s\)/);
  });

  it("sends inbound SMS from the simulator to the real SMS route: ELEC, then YES with the code, gives the token", async () => {
    const phone = "+26771800003";
    const page = await (await fetch(`${running.url}/simulator`)).text();
    const csrf = csrfOf(page) ?? "";
    const sms = (text: string) =>
      fetch(`${running.url}/simulator/sms`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify({ phone, text }),
      });
    const inbox = async (count: number) => {
      const until = Date.now() + 8000;
      for (;;) {
        const { messages } = await (
          await fetch(`${running.url}/simulator/inbox?phone=${encodeURIComponent(phone)}`)
        ).json();
        if (messages.length >= count || Date.now() > until)
          return messages.map((m: { text: string }) => m.text);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    assert.equal((await sms("ELEC 04040404040 100")).status, 200);
    const [quote] = await inbox(1);
    const code = /YES (\w+)/.exec(quote ?? "")?.[1];
    assert.ok(code, quote);
    await sms(`YES ${code}`);
    const texts = await inbox(2);
    assert.ok(
      texts.some((t: string) => t.includes("0404 0404 0400 0000 0081")),
      texts.join("\n"),
    );
  });
});
