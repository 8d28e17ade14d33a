// The operator page: sales today and over 30 days (per product and provider, with a chart), purchases that
// need attention with their history, a search by reference, phone or meter, and two actions (check with
// the vendor again; re-send the tokens), each written to the audit trail. Server-rendered, read from the
// ledger port on each view: nothing here runs on a USSD callback. Pages show masked phone numbers and
// meters, never a token or a secret. Days are UTC days.
import express, { type Request, type Response, type Router } from "express";
import { formatCents, toCents } from "../../machines/purchase/money.js";
import { maskPhone } from "../log.js";
import type { PurchaseLedger, PurchaseRecord, PurchaseSearch } from "../purchases/ledger.js";
import type { PurchaseService } from "../purchases/purchases.js";
import type { AuditEntry, AuditTrail } from "./audit.js";
import type { Operator, OperatorAccess } from "./auth.js";
import { escapeHtml as h, page } from "./html.js";

export interface OperatorPageDeps {
  access: OperatorAccess;
  ledger: PurchaseLedger;
  purchases: Pick<PurchaseService, "checkAgain" | "resendTokensOf">;
  audit: AuditTrail;
  /** The configured vendor API (`VENDOR`): every purchase of this deployment went through it. */
  vendor: string;
  toPhone: (raw: string) => string | null;
}

const DAY_MS = 24 * 3600 * 1000;
const DAYS = 30;
/** The most purchases one view reads for the 30-day figures (the page says when it hit this). */
const SALES_READ_LIMIT = 50_000;

const REFERENCE = /^[A-Z0-9]{10}$/;

/** Meters and accounts keep their last 4 characters. */
export function maskSubscriber(id: string): string {
  return id.length <= 4 ? "****" : `${"*".repeat(id.length - 4)}${id.slice(-4)}`;
}

const MESSAGES: Record<string, string> = {
  resolved: "The vendor answered: the purchase is resolved and the customer is being told.",
  unknown: "The vendor could not tell yet: the outcome is still unknown. Try again later.",
  "not-unknown":
    "Nothing to check: this purchase's outcome is not unknown (a purchase still CONFIRMING may have its buy in flight).",
  resent: "The tokens are being sent again.",
  "no-tokens": "This purchase has no tokens to send.",
};

export function operatorPageRoutes(deps: OperatorPageDeps): Router {
  const router = express.Router();
  const guard = deps.access.guard({ api: false });
  const form = express.urlencoded({ extended: false, limit: "4kb" });
  const csrf = deps.access.csrf();

  router.get("/operator/login", (req, res) => {
    if (deps.access.mode !== "login") {
      res.redirect(303, "/operator");
      return;
    }
    res.type("html").send(loginPage(safeNext(req.query.next), req.query.failed !== undefined));
  });

  router.post("/operator/login", form, async (req, res) => {
    const next = safeNext(req.body?.next);
    const ok =
      deps.access.mode === "login" &&
      (await deps.access.login(req, res, String(req.body?.user ?? ""), String(req.body?.password ?? "")));
    res.redirect(303, ok ? next : `/operator/login?failed&next=${encodeURIComponent(next)}`);
  });

  router.post("/operator/logout", guard, form, csrf, (_req, res) => {
    deps.access.logout(res);
    res.redirect(303, "/operator/login");
  });

  router.get("/operator", guard, async (req: Request, res: Response) => {
    const operator = res.locals.operator as Operator;
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const from = new Date(today - (DAYS - 1) * DAY_MS);
    const [recent, open, actions] = await Promise.all([
      deps.ledger.createdBetween(from, new Date(today + DAY_MS), SALES_READ_LIMIT),
      deps.ledger.unresolved(),
      deps.audit.recent(),
    ]);
    const query = typeof req.query.q === "string" ? req.query.q.trim() : "";
    // The query is not echoed into the page: it may be a whole phone number.
    const searches = query ? searchesOf(query, deps.toPhone) : [];
    const found = mergeNewestFirst(await Promise.all(searches.map((s) => deps.ledger.search(s, 50))));
    const attention = open.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
    const histories = await Promise.all(attention.map((r) => deps.audit.of(r.reference)));
    res
      .type("html")
      .set("cache-control", "no-store")
      .send(
        page(
          "Operator",
          `<main>
${logoutForm(operator)}
<h2>Sales today (UTC)</h2>
${salesTable(recent.filter((r) => Date.parse(r.createdAt) >= today))}
<h2>Last ${DAYS} days</h2>
${chart(recent, today)}
${salesTable(recent)}
${recent.length >= SALES_READ_LIMIT ? `<p class="error">Only the newest ${SALES_READ_LIMIT} purchases are counted.</p>` : ""}
<h2 id="attention">Needs attention (${attention.length})</h2>
${attention.length === 0 ? '<p class="muted">Nothing needs attention.</p>' : attention.map((r, i) => purchaseBlock(r, histories[i] ?? [], operator, deps.vendor)).join("")}
<h2>Search</h2>
<form method="get" action="/operator"><input name="q" placeholder="reference, phone or meter" aria-label="search"> <button>Search</button></form>
${searches.length > 0 ? resultsTable(found) : query ? '<p class="error">Type a reference (10 letters and digits), a phone number or a meter number.</p>' : ""}
<h2>Recent operator actions</h2>
${auditTable(actions.slice(0, 20))}
</main>`,
        ),
      );
  });

  router.get("/operator/purchase/:reference", guard, async (req: Request, res: Response) => {
    const operator = res.locals.operator as Operator;
    const reference = String(req.params.reference);
    const record = REFERENCE.test(reference) ? await deps.ledger.get(reference) : null;
    if (!record) {
      res
        .status(404)
        .type("html")
        .send(page("Operator", '<main><p class="error">No such purchase.</p></main>'));
      return;
    }
    const message = MESSAGES[String(req.query.done ?? "")];
    res
      .type("html")
      .set("cache-control", "no-store")
      .send(
        page(
          `Purchase ${reference}`,
          `<main>${message ? `<p id="message" class="ok">${h(message)}</p>` : ""}${purchaseBlock(record, await deps.audit.of(reference), operator, deps.vendor)}</main>`,
        ),
      );
  });

  router.post("/operator/purchase/:reference/check-again", guard, form, csrf, async (req, res) => {
    const operator = res.locals.operator as Operator;
    const reference = String(req.params.reference);
    const { record, stillUnknown } = await deps.purchases.checkAgain(reference);
    const done = stillUnknown
      ? "unknown"
      : record && record.status !== "UNKNOWN" && record.status !== "CONFIRMING"
        ? "resolved"
        : "not-unknown";
    await deps.audit.record({
      who: operator.who,
      action: "check-again",
      reference,
      outcome: stillUnknown ? "still unknown" : `status ${record?.status ?? "not found"}`,
    });
    res.redirect(303, `/operator/purchase/${encodeURIComponent(reference)}?done=${done}`);
  });

  router.post("/operator/purchase/:reference/resend-tokens", guard, form, csrf, async (req, res) => {
    const operator = res.locals.operator as Operator;
    const reference = String(req.params.reference);
    const sent = await deps.purchases.resendTokensOf(reference);
    await deps.audit.record({
      who: operator.who,
      action: "resend-tokens",
      reference,
      outcome: sent ? "tokens queued" : "no tokens to send",
    });
    res.redirect(
      303,
      `/operator/purchase/${encodeURIComponent(reference)}?done=${sent ? "resent" : "no-tokens"}`,
    );
  });

  return router;
}

/** What a typed query may be: a reference, else a phone number and/or a meter (digits can be either). */
function searchesOf(query: string, toPhone: (raw: string) => string | null): PurchaseSearch[] {
  const upper = query.toUpperCase();
  if (REFERENCE.test(upper)) return [{ reference: upper }];
  const searches: PurchaseSearch[] = [];
  const phone = toPhone(query);
  if (phone) searches.push({ phone });
  if (/^[\w-]{4,32}$/.test(query)) searches.push({ subscriberId: query });
  return searches;
}

function mergeNewestFirst(lists: PurchaseRecord[][]): PurchaseRecord[] {
  const byReference = new Map(lists.flat().map((r) => [r.reference, r]));
  return [...byReference.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
}

/** Only a path on this site: never an open redirect. */
function safeNext(value: unknown): string {
  return typeof value === "string" && value.startsWith("/") && !value.startsWith("//") ? value : "/operator";
}

function logoutForm(operator: Operator): string {
  if (operator.who === "local")
    return '<p class="muted">No login: this machine only, built-in sandbox (set OPERATOR_USERS or OPERATOR_TOKEN to require one).</p>';
  return `<form method="post" action="/operator/logout" class="inline">Signed in as ${h(operator.who)} <input type="hidden" name="csrf" value="${h(operator.csrf)}"><button>Sign out</button></form>`;
}

interface Sales {
  count: number;
  cents: number;
  currency: string;
}

/** Successful sales grouped by product and provider, amounts summed in cents. */
function salesBy(records: PurchaseRecord[]): Map<string, Sales> {
  const groups = new Map<string, Sales>();
  for (const record of records) {
    if (record.status !== "SUCCESSFUL") continue;
    const key = `${record.productName} · ${record.providerCode}`;
    const group = groups.get(key) ?? { count: 0, cents: 0, currency: record.currency };
    group.count += 1;
    group.cents += toCents(record.amount) ?? 0;
    groups.set(key, group);
  }
  return groups;
}

function salesTable(records: PurchaseRecord[]): string {
  const groups = [...salesBy(records)].sort(([a], [b]) => a.localeCompare(b));
  const outcomes = (status: string) => records.filter((r) => r.status === status).length;
  const rows = groups
    .map(
      ([key, s]) =>
        `<tr><td>${h(key)}</td><td>${s.count}</td><td>${h(s.currency)} ${formatCents(s.cents)}</td></tr>`,
    )
    .join("");
  return `<table class="sales"><thead><tr><th>product · provider</th><th>sales</th><th>amount</th></tr></thead>
<tbody>${rows || '<tr><td colspan="3" class="muted">No sales.</td></tr>'}</tbody></table>
<p class="muted">Also: ${outcomes("FAILED")} failed, ${outcomes("UNKNOWN") + outcomes("CONFIRMING")} outcome not yet known.</p>`;
}

/** One bar per UTC day: the number of successful sales (hover for the amount). */
function chart(records: PurchaseRecord[], today: number): string {
  const days = Array.from({ length: DAYS }, (_, i) => today - (DAYS - 1 - i) * DAY_MS);
  const perDay = days.map((start) =>
    records.filter(
      (r) =>
        r.status === "SUCCESSFUL" &&
        Date.parse(r.createdAt) >= start &&
        Date.parse(r.createdAt) < start + DAY_MS,
    ),
  );
  const max = Math.max(1, ...perDay.map((d) => d.length));
  const bars = perDay
    .map((sales, i) => {
      const height = Math.round((sales.length / max) * 100);
      const cents = sales.reduce((sum, r) => sum + (toCents(r.amount) ?? 0), 0);
      const day = new Date(days[i] as number).toISOString().slice(0, 10);
      return `<rect x="${i * 20 + 2}" y="${110 - height}" width="16" height="${height}" fill="#4a7"><title>${day}: ${sales.length} sales, ${formatCents(cents)}</title></rect>`;
    })
    .join("");
  return `<svg class="chart" width="600" height="130" role="img" aria-label="successful sales per day, last ${DAYS} days">
<line x1="0" y1="110" x2="600" y2="110" stroke="#999"/>${bars}
<text x="0" y="125" font-size="11">${new Date(days[0] as number).toISOString().slice(0, 10)}</text>
<text x="600" y="125" font-size="11" text-anchor="end">today (max ${max}/day)</text></svg>`;
}

function flags(record: PurchaseRecord): string[] {
  const flags: string[] = [];
  if (record.status === "UNKNOWN" || record.status === "CONFIRMING") flags.push("outcome unknown");
  if (record.needsOperator) flags.push("retries exhausted");
  if ((record.status === "SUCCESSFUL" || record.status === "FAILED") && !record.notified)
    flags.push("customer not told");
  return flags;
}

function purchaseBlock(
  record: PurchaseRecord,
  audit: AuditEntry[],
  operator: Operator,
  vendor: string,
): string {
  const r = record;
  const action = (path: string, label: string) =>
    `<form method="post" action="/operator/purchase/${h(r.reference)}/${path}" class="inline"><input type="hidden" name="csrf" value="${h(operator.csrf)}"><button>${h(label)}</button></form>`;
  const actions = [
    r.status === "UNKNOWN" ? action("check-again", "Check with the vendor again") : "",
    r.status === "SUCCESSFUL" && r.token ? action("resend-tokens", "Re-send the tokens") : "",
  ].join(" ");
  const history = r.history.map((e) => `${h(e.status)} ${h(e.at)}`).join(" → ");
  const tokenCount = r.token ? r.token.split("|").length : 0;
  return `<section class="purchase" data-reference="${h(r.reference)}">
<h3><a href="/operator/purchase/${h(r.reference)}">${h(r.reference)}</a> <span class="status">${h(r.status)}</span> ${flags(
    r,
  )
    .map((f) => `<em>${h(f)}</em>`)
    .join(" ")}</h3>
<table><tr><th>when</th><td>${h(r.createdAt)}</td></tr>
<tr><th>what</th><td>${h(r.productName)} · ${h(r.providerCode)} (${h(vendor)}), ${h(r.subscriberLabel)} ${h(maskSubscriber(r.subscriberId))}, ${h(r.currency)} ${h(r.amount)} (total ${h(r.total)}), ${h(r.channel)}</td></tr>
<tr><th>phones</th><td>buyer ${h(maskPhone(r.phone))}, tokens to ${h(maskPhone(r.recipient))}</td></tr>
<tr><th>vendor refs</th><td>${h([r.vendorTransactionId, r.vendorReference, r.providerReference].filter(Boolean).join(", ") || "—")}</td></tr>
<tr><th>outcome</th><td>${r.status === "SUCCESSFUL" ? `${tokenCount} token(s)${r.units ? `, ${h(r.units)}` : ""}` : h(r.failureReason ?? "")}${r.notified ? ", customer told" : ""}</td></tr>
<tr><th>history</th><td>${history}</td></tr>
<tr><th>operator actions</th><td>${audit.length === 0 ? "none" : audit.map((a) => `${h(a.at)} ${h(a.who)}: ${h(a.action)} (${h(a.outcome)})`).join("<br>")}</td></tr>
</table>${actions}</section>`;
}

function resultsTable(records: PurchaseRecord[]): string {
  if (records.length === 0) return '<p class="muted" id="results">No purchase found.</p>';
  const rows = records
    .map(
      (r) =>
        `<tr><td><a href="/operator/purchase/${h(r.reference)}">${h(r.reference)}</a></td><td>${h(r.createdAt)}</td><td>${h(r.status)}</td><td>${h(r.productName)}</td><td>${h(maskSubscriber(r.subscriberId))}</td><td>${h(maskPhone(r.phone))}</td><td>${h(r.currency)} ${h(r.amount)}</td></tr>`,
    )
    .join("");
  return `<table id="results"><thead><tr><th>reference</th><th>created</th><th>status</th><th>product</th><th>meter</th><th>buyer</th><th>amount</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function auditTable(entries: AuditEntry[]): string {
  if (entries.length === 0) return '<p class="muted">No operator actions yet.</p>';
  return `<table><tbody>${entries
    .map(
      (a) =>
        `<tr><td>${h(a.at)}</td><td>${h(a.who)}</td><td>${h(a.action)}</td><td><a href="/operator/purchase/${h(a.reference)}">${h(a.reference)}</a></td><td>${h(a.outcome)}</td></tr>`,
    )
    .join("")}</tbody></table>`;
}

function loginPage(next: string, failed: boolean): string {
  return page(
    "Operator sign-in",
    `<main><form method="post" action="/operator/login">
${failed ? '<p class="error">Wrong name or password.</p>' : ""}
<input type="hidden" name="next" value="${h(next)}">
<p><label>Name <input name="user" autocomplete="username"></label></p>
<p><label>Password or token <input name="password" type="password" autocomplete="current-password"></label></p>
<p><button>Sign in</button></p></form></main>`,
    false,
  );
}
