// The handset simulator: a phone in the browser. Each keypress is posted by this server to its own webhook
// route over loopback HTTP in the chosen aggregator's wire format (simulator-wire.ts), so the real route,
// guard and adapter run; the reply is read back as that aggregator's handset would and measured against
// its screen limit. The inbox shows what the log SMS gateway "sent" to the phone (whole, tokens included:
// in memory only, never logged). Inbound SMS go to the real Africa's Talking SMS route the same way.
import { randomUUID } from "node:crypto";
import express, { type Request, type Response, type Router } from "express";
import { type CountryCode, getExampleNumber } from "libphonenumber-js";
import examples from "libphonenumber-js/examples.mobile.json";
import { z } from "zod";
import type { WebhookSecurity } from "../http/webhook-security.js";
import type { LogSmsSender } from "../notify/gateways/log.js";
import { ussdCapacity } from "../text/gsm7.js";
import type { AggregatorName, RegisteredAggregator } from "../ussd/aggregators/registry.js";
import type { Operator, OperatorAccess } from "./auth.js";
import { escapeHtml, page } from "./html.js";
import { HANDSET_WIRES, type WireRequest } from "./simulator-wire.js";

export interface SimulatorDeps {
  access: OperatorAccess;
  aggregators: RegisteredAggregator[];
  security: Record<AggregatorName, WebhookSecurity>;
  toPhone: (raw: string) => string | null;
  /** The log gateway, when SMS go to the log (otherwise the inbox is empty: real SMS go to real phones). */
  inbox?: Pick<LogSmsSender, "inbox">;
  serviceCode: string;
  region: CountryCode;
}

const hopSchema = z.object({
  aggregator: z.string(),
  phone: z.string().max(32),
  sessionId: z.string().regex(/^[\w-]{1,64}$/),
  dial: z.string().regex(/^[*#\d]{1,64}$/, "dial a code such as *384*123#"),
  hop: z.number().int().min(1).max(100),
  inputs: z.array(z.string().max(160)).max(100),
});

const smsSchema = z.object({ phone: z.string().max(32), text: z.string().min(1).max(480) });

export function simulatorRoutes(deps: SimulatorDeps): Router {
  const router = express.Router();
  const guard = deps.access.guard({ api: false });
  const apiGuard = deps.access.guard({ api: true });
  const limits = new Map<string, number>(deps.aggregators.map((a) => [a.name, a.screenLimit]));

  /** Sends one request to this very server, as the aggregator would, with its webhook credentials. */
  const loopback = async (req: Request, name: string, wire: WireRequest) => {
    const security = deps.security[name as AggregatorName];
    const headers: Record<string, string> = {};
    if (wire.contentType) headers["content-type"] = wire.contentType;
    if (security.secret) headers["x-webhook-secret"] = security.secret;
    if (security.basicAuth) {
      const { user, password } = security.basicAuth;
      headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    }
    const response = await fetch(`http://127.0.0.1:${req.socket.localPort}${wire.path}`, {
      method: wire.method,
      headers,
      ...(wire.body !== undefined ? { body: wire.body } : {}),
    });
    return { status: response.status, body: await response.text() };
  };

  router.get("/simulator", guard, (_req, res) => {
    const operator = res.locals.operator as Operator;
    const example = getExampleNumber(deps.region, examples);
    res
      .status(200)
      .type("html")
      .set("cache-control", "no-store")
      .send(
        simulatorPage({
          csrf: operator.csrf,
          aggregators: deps.aggregators.filter((a) => HANDSET_WIRES[a.name]),
          phone: example?.number ?? "",
          serviceCode: deps.serviceCode,
          inbox: deps.inbox !== undefined,
        }),
      );
  });

  const json = express.json({ limit: "8kb" });
  const csrf = deps.access.csrf();

  router.post("/simulator/ussd", apiGuard, json, csrf, async (req: Request, res: Response) => {
    const parsed = hopSchema.safeParse(req.body);
    const wire = parsed.success ? HANDSET_WIRES[parsed.data.aggregator] : undefined;
    const phone = parsed.success ? deps.toPhone(parsed.data.phone) : null;
    if (!parsed.success || !wire || !phone) {
      res.status(400).json({ error: !phone && parsed.success ? "not a valid phone number" : "bad request" });
      return;
    }
    const hop = { ...parsed.data, phone };
    const answer = await loopback(req, hop.aggregator, wire.request(hop));
    if (answer.status !== 200) {
      res.json({ status: answer.status, text: answer.body, end: true, length: 0, limit: 0, fits: false });
      return;
    }
    const screen = wire.read(answer.status, answer.body);
    const capacity = ussdCapacity(screen.text, limits.get(hop.aggregator));
    res.json({ status: answer.status, ...screen, ...capacity });
  });

  router.get("/simulator/inbox", apiGuard, (req: Request, res: Response) => {
    const phone = deps.toPhone(String(req.query.phone ?? ""));
    if (!phone) {
      res.status(400).json({ error: "not a valid phone number" });
      return;
    }
    res.set("cache-control", "no-store").json({
      available: deps.inbox !== undefined,
      messages: (deps.inbox?.inbox(phone) ?? []).map(({ text, at }) => ({ text, at })),
    });
  });

  router.post("/simulator/sms", apiGuard, json, csrf, async (req: Request, res: Response) => {
    const parsed = smsSchema.safeParse(req.body);
    const phone = parsed.success ? deps.toPhone(parsed.data.phone) : null;
    if (!parsed.success || !phone) {
      res.status(400).json({ error: "bad request" });
      return;
    }
    // Africa's Talking's inbound SMS fields, to the real SMS route.
    const answer = await loopback(req, "africastalking", {
      method: "POST",
      path: "/sms/africastalking",
      contentType: "application/x-www-form-urlencoded",
      body: new URLSearchParams({
        from: `+${phone}`,
        to: deps.serviceCode.replace(/\D/g, ""),
        text: parsed.data.text,
        id: `simulator-${randomUUID()}`,
        date: new Date().toISOString(),
      }).toString(),
    });
    res.json({ status: answer.status });
  });

  return router;
}

function simulatorPage(view: {
  csrf: string;
  aggregators: RegisteredAggregator[];
  phone: string;
  serviceCode: string;
  inbox: boolean;
}): string {
  const options = view.aggregators
    .map((a) => `<option value="${escapeHtml(a.name)}">${escapeHtml(a.name)} (${a.screenLimit})</option>`)
    .join("");
  return page(
    "Handset simulator",
    `<main class="sim">
<section class="phone">
  <label>Aggregator <select id="aggregator">${options}</select></label>
  <label>Phone <input id="phone" value="${escapeHtml(view.phone)}" autocomplete="off"></label>
  <label>Dial <input id="dial" value="${escapeHtml(view.serviceCode)}" autocomplete="off"></label>
  <button id="dial-button" type="button">Dial</button>
  <pre id="screen" class="screen" aria-live="polite">Dial the short code to start.</pre>
  <p id="count" class="muted"></p>
  <form id="reply-form"><input id="reply" autocomplete="off" disabled><button id="send" disabled>Send</button>
  <button id="hang-up" type="button" disabled>Hang up</button></form>
</section>
<section class="sms">
  <h2>SMS</h2>
  <form id="sms-form"><input id="sms-text" placeholder="ELEC … / YES code / LAST" autocomplete="off"><button id="sms-send">Send SMS</button></form>
  <h2>Inbox</h2>
  ${view.inbox ? "" : '<p class="muted">SMS go to a real gateway (SMS_PROVIDER): the inbox shows only what the log gateway sends.</p>'}
  <ol id="inbox" reversed></ol>
</section>
</main>
<script>
const csrf = ${JSON.stringify(view.csrf)};
const $ = (id) => document.getElementById(id);
let session = null;
const post = (path, body) => fetch(path, { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body) }).then((r) => r.json());
function show(screen) {
  $("screen").textContent = screen.text;
  $("count").textContent = screen.limit ? screen.length + " / " + screen.limit + " characters (" + screen.encoding + ")" + (screen.fits ? "" : " TOO LONG") : "HTTP " + screen.status;
  const open = !screen.end && screen.status === 200;
  $("reply").disabled = $("send").disabled = $("hang-up").disabled = !open;
  if (open) $("reply").focus(); else session = null;
  $("screen").classList.toggle("ended", !open);
}
async function hop(input) {
  if (input !== undefined) session.inputs.push(input);
  show(await post("/simulator/ussd", { aggregator: session.aggregator, phone: session.phone, sessionId: session.id, dial: session.dial, hop: session.inputs.length + 1, inputs: session.inputs }));
}
$("dial-button").onclick = () => {
  session = { id: "sim-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8), aggregator: $("aggregator").value, phone: $("phone").value, dial: $("dial").value, inputs: [] };
  hop();
};
$("reply-form").onsubmit = (e) => { e.preventDefault(); if (!session) return; const v = $("reply").value; $("reply").value = ""; hop(v); };
$("hang-up").onclick = () => show({ text: "Session ended.", end: true, status: 200 });
$("sms-form").onsubmit = async (e) => { e.preventDefault(); const text = $("sms-text").value; if (!text) return; $("sms-text").value = ""; await post("/simulator/sms", { phone: $("phone").value, text }); };
let shown = "";
async function refresh() {
  try {
    const r = await fetch("/simulator/inbox?phone=" + encodeURIComponent($("phone").value)).then((r) => r.json());
    const key = JSON.stringify(r.messages || []);
    if (key !== shown) {
      shown = key;
      $("inbox").replaceChildren(...(r.messages || []).slice().reverse().map((m) => { const li = document.createElement("li"); const t = document.createElement("small"); t.textContent = m.at.slice(11, 19) + " "; li.append(t, m.text); return li; }));
    }
  } catch {}
  setTimeout(refresh, 1000);
}
refresh();
</script>`,
  );
}
