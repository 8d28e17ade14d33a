// Texts the customer receives by SMS. Each fits ONE 160-character GSM-7 part (SPEC 6.3): a token split
// over two parts can arrive out of order or half-missing on a feature phone, so optional details are
// dropped instead, and a token is never cut.

import { en } from "../../machines/copy/en.js";
import type { Token } from "../../machines/purchase/rules.js";
import type { PurchaseSummary } from "../purchases/notifier.js";
import { parseTokens } from "../purchases/tokens.js";
import { graphemePrefix, smsCapacity, toGsm7 } from "../text/gsm7.js";

/** Optional details, in the order they are given up when a message would not fit one part. */
const DROP_ORDER = ["product", "units", "label", "subscriber", "description", "amount"] as const;
type Detail = (typeof DROP_ORDER)[number];
type Has = (detail: Detail) => boolean;

/** Vendor-supplied text on one line, in GSM-7 (one stray character would halve the SMS). */
const field = (text: string): string => toGsm7(text).replace(/\s+/g, " ").trim();

/** 160 GSM-7 characters, or 70 when a character GSM-7 cannot spell keeps the text in UCS-2. */
const fitsOnePart = (text: string): boolean => smsCapacity(text).fits;

/** Renders with every detail, then drops details one by one until the text fits one part. */
function fitOnePart(render: (has: Has) => string): string {
  let text = "";
  for (let dropped = 0; dropped <= DROP_ORDER.length; dropped++) {
    const gone: readonly Detail[] = DROP_ORDER.slice(0, dropped);
    text = toGsm7(render((detail) => !gone.includes(detail)));
    if (fitsOnePart(text)) return text;
  }
  // Only a token longer than a whole SMS gets here; it goes out whole (two parts) rather than cut.
  return text;
}

const words = en.notify;

const money = (s: PurchaseSummary): string => `${s.currency} ${s.amount}`;

function subscriber(s: PurchaseSummary, has: Has): string | undefined {
  if (!has("subscriber")) return undefined;
  const label = s.subscriberLabel && has("label") ? field(s.subscriberLabel) : "";
  return label ? `${label} ${s.subscriberId}` : s.subscriberId;
}

/** "8.1 kWh, Meter Number 04040404040, BWP 100.00. Ref PX7K2M9Q4T" from whichever facts are present. */
function footer(s: PurchaseSummary, facts: (string | undefined)[]): string {
  return words.footer(
    facts.filter((fact): fact is string => Boolean(fact)),
    s.reference,
  );
}

function tokenHeading(s: PurchaseSummary, has: Has): string {
  const product = has("product") ? field(s.productName) : "";
  return words.tokenHeading(product);
}

function describe(token: Token, has: Has): string {
  return token.description && has("description") ? words.description(field(token.description)) : "";
}

function singleTokenMessage(s: PurchaseSummary, token: Token): string {
  return fitOnePart((has) =>
    [
      `${tokenHeading(s, has)}${describe(token, has)}:`,
      token.token,
      footer(s, [
        has("units") && s.units ? field(s.units) : undefined,
        subscriber(s, has),
        has("amount") ? money(s) : undefined,
      ]),
    ].join("\n"),
  );
}

/** Which token goes in when: the meter rejects them out of vendor order (KeyChange tokens first). */
function entryOrder(index: number, count: number): string {
  if (index === 0) return words.enterFirst;
  if (index === count - 1) return words.enterLast;
  return words.enterAfter(index, count);
}

function multiTokenMessage(s: PurchaseSummary, token: Token, index: number, count: number): string {
  // Units and amount belong to the purchase as a whole: they go on the last (credit) token only.
  const isLast = index === count - 1;
  return fitOnePart((has) =>
    [
      words.numbered(tokenHeading(s, has), index + 1, count, describe(token, has), entryOrder(index, count)),
      token.token,
      footer(s, [
        isLast && has("units") && s.units ? field(s.units) : undefined,
        subscriber(s, has),
        isLast && has("amount") ? money(s) : undefined,
      ]),
    ].join("\n"),
  );
}

/**
 * The SMS(es) carrying a purchase's token(s): one per token, in the vendor's order, numbered `i/n` when
 * there are several. Empty when the purchase has no token (airtime: see airtimeReceipt).
 */
export function tokenMessages(summary: PurchaseSummary): string[] {
  const tokens = parseTokens(summary.token ?? "");
  const [only] = tokens;
  if (tokens.length === 1 && only) return [singleTokenMessage(summary, only)];
  return tokens.map((token, index) => multiTokenMessage(summary, token, index, tokens.length));
}

/** Confirmation for a purchase without a token, e.g. "BWP 20.00 airtime sent to 26771436390. Ref …". */
export function airtimeReceipt(summary: PurchaseSummary): string {
  return fitOnePart(() => words.airtimeReceipt(money(summary), summary.subscriberId, summary.reference));
}

/** The success SMS(es) for any purchase: the tokens, or a receipt when the product issues none. */
export function purchaseMessages(summary: PurchaseSummary): string[] {
  const messages = tokenMessages(summary);
  return messages.length > 0 ? messages : [airtimeReceipt(summary)];
}

/** Vendor reasons can be long sentences; the customer needs the gist, and the reference for the rest. */
const REASON_MAX = 48;

function shortReason(reason: string): string {
  const text = field(reason).replace(/[.!\s]+$/, "");
  if (smsCapacity(text).length <= REASON_MAX) return text;
  const cut = graphemePrefix(text, (prefix) => smsCapacity(prefix).length <= REASON_MAX - 3);
  // End on a whole word when there is one to end on.
  const lastSpace = cut.lastIndexOf(" ");
  return `${(lastSpace > 0 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.]+$/, "")}...`;
}

function purchaseDescription(s: PurchaseSummary, has: Has): string {
  const product = has("product") ? field(s.productName) : "";
  return words.purchase(product, has("amount") ? money(s) : "", subscriber(s, has) ?? "");
}

/** The purchase definitely failed and nothing was charged. `reason` is shown shortened. */
export function purchaseFailedMessage(summary: PurchaseSummary, reason: string): string {
  const because = shortReason(reason);
  return fitOnePart((has) => words.failed(purchaseDescription(summary, has), because, summary.reference));
}

/** We could not learn the outcome; someone is checking by hand. The reference lets the customer follow up. */
export function purchaseUnresolvedMessage(summary: PurchaseSummary): string {
  return fitOnePart((has) => words.unresolved(purchaseDescription(summary, has), summary.reference));
}

/** Answer to "My last tokens" when this phone has no token purchase on record. */
export function noTokensYetMessage(): string {
  return words.noTokensYet;
}
