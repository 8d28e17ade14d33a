// Screens are derived from the machine's state and context (never from entry actions, which do not run
// again when a snapshot is restored). Every screen is measured in GSM-7 against the aggregator's limit.
import type { SnapshotFrom } from "xstate";
import type { JourneyContext, JourneyProduct, PurchaseMachine } from "../../machines/purchase.machine.js";
import { ussdCapacity } from "../text/gsm7.js";
import type { UssdReply } from "./types.js";

type JourneySnapshot = SnapshotFrom<PurchaseMachine>;

const NAV = "0 Back 00 Menu";

export function renderScreen(snapshot: JourneySnapshot, limit: number): UssdReply {
  const reply = composeScreen(snapshot, limit);
  if (ussdCapacity(reply.text, limit).fits) return reply;
  // Only text that comes from the vendor (reasons, hints, names) varies in length: shorten it to fit.
  const c = snapshot.context;
  const product = c.productIndex === null ? null : c.products[c.productIndex];
  const outcomeReason = c.outcome && "reason" in c.outcome ? c.outcome.reason : undefined;
  const vendorTexts = [
    c.quoteFailure?.message,
    c.error,
    product?.subscriberHint,
    c.quote?.customerName,
    outcomeReason,
  ].filter((t): t is string => Boolean(t) && reply.text.includes(t as string));
  return { ...reply, text: shortenToFit(reply.text, vendorTexts, limit) };
}

/** Cuts the given parts of `text` (longest first, at word boundaries, with "...") until it fits. */
function shortenToFit(text: string, parts: string[], limit: number): string {
  let result = text;
  for (const part of [...parts].sort((a, b) => b.length - a.length)) {
    for (let keep = part.length - 4; keep >= 8; keep -= 4) {
      const cut = part.slice(0, keep);
      const shorter = `${cut.slice(0, cut.lastIndexOf(" ") > keep / 2 ? cut.lastIndexOf(" ") : keep)}...`;
      const candidate = result.replace(part, shorter);
      if (ussdCapacity(candidate, limit).fits) return candidate;
    }
    result = result.replace(part, `${part.slice(0, 8)}...`);
  }
  return result;
}

function composeScreen(snapshot: JourneySnapshot, limit: number): UssdReply {
  const c = snapshot.context;
  const product = c.productIndex === null ? null : (c.products[c.productIndex] ?? null);
  const withError = (prompt: string) => (c.error ? `${c.error}\n${prompt}` : prompt);
  const state = String(snapshot.value);

  switch (state) {
    case "menu":
      return more(
        paginate(
          withError("Buy:"),
          [...c.products.map((p) => p.name), "My last tokens"],
          c.page,
          limit,
          c.page > 0 ? ["0 Back"] : [],
        ),
      );
    case "provider":
      return more(
        paginate(
          withError(`${product?.name ?? ""} provider:`),
          (product?.providers ?? []).map((p) => p.name),
          c.page,
          limit,
          [NAV],
        ),
      );
    case "subscriberChoice":
      return more(withError(`${product?.name ?? ""} for:\n1 My number\n2 Another number\n${NAV}`));
    case "subscriber":
      return more(
        withError(
          `Enter ${subjectOf(product)}${product?.subscriberHint ? ` (${product.subscriberHint})` : ""}:\n${NAV}`,
        ),
      );
    case "amount":
      return more(withError(`Enter amount in ${c.currency} (${c.minAmount}-${c.maxAmount}):\n${NAV}`));
    case "recipient":
      return more(withError(`Enter the phone number for the token SMS:\n${NAV}`));
    case "quote":
      return more(withError(quoteScreen(c, product, limit)));
    case "quoteError": {
      const options = c.quoteFailure?.retryable
        ? "\n1 Try again"
        : `\n1 Change ${changeWhat(product)}\n2 Change amount`;
      return more(
        withError(`${c.quoteFailure?.message ?? "The provider could not quote."}${options}\n${NAV}`),
      );
    }
    case "quoting":
      // Only seen when the reply deadline passed while the quote was still in flight.
      return end("The provider is slow, please try again.");
    case "confirming":
      return end(pendingText(c.quote?.reference));
    case "done":
      return end(outcomeText(c, product, limit));
    case "cancelled":
      return end("Purchase cancelled. You have not been charged.");
    case "lastTokens":
    case "lastTokensDone":
      if (c.lastTokens?.found)
        return end(`Your last tokens are on their way by SMS. Ref ${c.lastTokens.reference}`);
      if (c.lastTokens) return end("We found no tokens bought by or for your number.");
      return end("Sorry, we could not fetch your tokens now. Please try again later.");
    default:
      return end("Sorry, something went wrong. Please dial again.");
  }
}

function more(text: string): UssdReply {
  return { text, end: false };
}

function end(text: string): UssdReply {
  return { text, end: true };
}

/** "meter" for a "Meter Number", "number" for a phone: short, so the vendor's whole reason fits above it. */
function changeWhat(product: JourneyProduct | null): string {
  if (!product || product.subscriberIsPhone) return "number";
  return subjectOf(product).replace(/ number$/, "") || "number";
}

function subjectOf(product: JourneyProduct | null): string {
  return (product?.subscriberLabel ?? "number").toLowerCase();
}

function quoteScreen(c: JourneyContext, product: JourneyProduct | null, limit: number): string {
  const q = c.quote;
  if (!q || !product) return "Quote unavailable.";
  const provider = product.providers.find((p) => p.code === c.providerCode);
  const head = [
    `${product.name}${provider && product.providers.length > 1 ? ` ${provider.name}` : ""} ${c.subscriberId ?? ""}`,
    // The verified name on its own line, so the customer checks it before paying.
    q.customerName ?? null,
  ];
  const money = [
    `Amount ${q.currency} ${q.amount}`,
    `Charge ${q.currency} ${q.charge}`,
    `Total ${q.currency} ${q.total}`,
  ];
  const moneyShort = [`Total ${q.currency} ${q.total} (charge ${q.charge})`];
  const to =
    product.issuesToken && c.recipient && c.recipient !== c.phone ? `Token SMS to +${c.recipient}` : null;
  const pay = c.payCode ? `Enter ${c.payCode} to pay` : "1 Pay";
  const options = product.issuesToken
    ? [pay, "2 Send token to another phone", "3 Cancel"]
    : [pay, "2 Cancel"];
  // A short screen (Nalo's 120) gets the same choices said more compactly, the money on one line last.
  const payShort = c.payCode ? `${c.payCode} Pay` : "1 Pay";
  const optionsShort = [product.issuesToken ? `${payShort} 2 Other phone 3 Cancel` : `${payShort} 2 Cancel`];
  const variants = [
    [...head, ...money, to, ...options],
    [...head, ...money, to, ...optionsShort],
    [...head, ...moneyShort, to, ...optionsShort],
  ].map((lines) => [...lines.filter((line) => line !== null), NAV].join("\n"));
  return variants.find((text) => ussdCapacity(text, limit).fits) ?? (variants.at(-1) as string);
}

function pendingText(reference: string | undefined): string {
  return `Your purchase is being processed. You will get an SMS shortly.${reference ? ` Ref ${reference}` : ""}`;
}

function outcomeText(c: JourneyContext, product: JourneyProduct | null, limit: number): string {
  const o = c.outcome;
  if (!o) return pendingText(c.quote?.reference);
  switch (o.status) {
    case "SUCCESSFUL": {
      if (product?.issuesToken === false) {
        return `Done: ${c.quote?.currency ?? c.currency} ${c.quote?.amount ?? ""} ${product.name.toLowerCase()} for ${c.subscriberId}. Ref ${o.reference}`;
      }
      const to = c.recipient && c.recipient !== c.phone ? ` at +${c.recipient}` : "";
      const units = o.units ? ` ${o.units}.` : "";
      const tokens = o.tokens ?? [];
      // The customer may be standing at the meter: the tokens themselves, numbered in the order to enter
      // them, where they fit (the SMS carries them too).
      if (tokens.length > 0) {
        const lines = tokens.map((t, i) =>
          tokens.length === 1
            ? `Token: ${t.token}`
            : `${i + 1}) ${t.description ? `${t.description}: ` : ""}${t.token}`,
        );
        const paid = `Paid.${units}`;
        const order = tokens.length > 1 ? ["Enter in this order:"] : [];
        const sms = `Also sent by SMS${to}. Ref ${o.reference}`;
        const variants = [
          [paid, ...order, ...lines, sms],
          [paid, ...lines, sms],
          [paid, ...lines, `Ref ${o.reference}`],
        ].map((variant) => variant.join("\n"));
        const shown = variants.find((text) => ussdCapacity(text, limit).fits);
        if (shown) return shown;
      }
      const count = o.tokenCount > 1 ? `${o.tokenCount} tokens` : "token";
      return `Paid. Your ${count} will arrive by SMS${to}.${units} Ref ${o.reference}`;
    }
    case "FAILED":
      return `Purchase failed: ${o.reason} You have not been charged.`;
    case "PENDING":
      return pendingText(o.reference);
    case "NOT_SENT":
      return `${o.reason} You have not been charged. Please try again.`;
  }
}

/**
 * A numbered list that pages with `98 More` when it does not fit: options keep their global numbers and are
 * never split across pages. `page` wraps around past the last page.
 */
export function paginate(
  header: string,
  options: string[],
  page: number,
  limit: number,
  footer: string[],
): string {
  const fits = (lines: string[]) => ussdCapacity(lines.join("\n"), limit).fits;
  const numbered = options.map((option, i) => `${i + 1} ${option}`);
  const all = [header, ...numbered, ...footer];
  if (fits(all)) return all.join("\n");

  const pages: string[][] = [];
  let current: string[] = [];
  for (const line of numbered) {
    if (current.length > 0 && !fits([header, ...current, line, "98 More", ...footer])) {
      pages.push(current);
      current = [];
    }
    current.push(line);
  }
  if (current.length > 0) pages.push(current);
  const shown = pages[page % pages.length] ?? [];
  return [header, ...shown, "98 More", ...footer].join("\n");
}
