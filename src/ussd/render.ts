// A snapshot's screen (machines/purchase/screens.ts), in the customer's words, fitted to the aggregator's
// limit. Vendor text (product and provider names, the verified name, reasons, hints) enters a screen spelt in
// GSM-7 where it can be (accents dropped, never a `?`; a name GSM-7 cannot spell keeps the screen in UCS-2
// and its 80 characters); where a screen is still too long, only that vendor text is shortened, never our
// instructions.
import type { SnapshotFrom } from "xstate";
import { type Catalogue, en } from "../../machines/copy/en.js";
import type { JourneyContext, PurchaseMachine } from "../../machines/purchase/machine.js";
import type { VendorFailure } from "../../machines/purchase/rules.js";
import { screenOf } from "../../machines/purchase/screens.js";
import { graphemePrefix, toGsm7, ussdCapacity } from "../text/gsm7.js";
import type { UssdReply } from "./types.js";

export function renderScreen(
  snapshot: SnapshotFrom<PurchaseMachine>,
  limit: number,
  words: Catalogue = en,
): UssdReply {
  const fits = (text: string) => ussdCapacity(text, limit).fits;
  const c = respelled(snapshot.context);
  const reply = screenOf(snapshot.value, c, { words, fits });
  if (fits(reply.text)) return reply;
  const product = c.products.find((p) => p.type === c.productType);
  const outcomeReason = c.outcome && "reason" in c.outcome ? c.outcome.reason : undefined;
  const vendorTexts = [
    c.quoteFailure?.failure.vendorReason,
    c.error?.key === "vendor" ? c.error.failure.vendorReason : undefined,
    product?.subscriberHint,
    c.quote?.customerName,
    outcomeReason,
    product?.name,
    product?.providers.find((p) => p.code === c.providerCode)?.name,
  ].filter((t): t is string => Boolean(t) && reply.text.includes(t as string));
  return { ...reply, text: shortenToFit(reply.text, vendorTexts, limit) };
}

/** The context with every vendor text spelt in GSM-7 where it can be. */
function respelled(c: JourneyContext): JourneyContext {
  const failure = (f: VendorFailure): VendorFailure =>
    f.vendorReason ? { ...f, vendorReason: toGsm7(f.vendorReason) } : f;
  return {
    ...c,
    products: c.products.map((p) => ({
      ...p,
      name: toGsm7(p.name),
      subscriberLabel: toGsm7(p.subscriberLabel),
      subscriberHint: toGsm7(p.subscriberHint),
      providers: p.providers.map((provider) => ({ ...provider, name: toGsm7(provider.name) })),
    })),
    quote: c.quote?.customerName ? { ...c.quote, customerName: toGsm7(c.quote.customerName) } : c.quote,
    error: c.error?.key === "vendor" ? { ...c.error, failure: failure(c.error.failure) } : c.error,
    quoteFailure: c.quoteFailure ? { ...c.quoteFailure, failure: failure(c.quoteFailure.failure) } : null,
    outcome: c.outcome?.status === "FAILED" ? { ...c.outcome, reason: toGsm7(c.outcome.reason) } : c.outcome,
  };
}

/** Cuts the given parts of `text` (longest first, at word boundaries, with "...") until it fits. */
function shortenToFit(text: string, parts: string[], limit: number): string {
  let result = text;
  for (const part of [...parts].sort((a, b) => b.length - a.length)) {
    for (let keep = part.length - 4; keep >= 8; keep -= 4) {
      // Whole graphemes: never half an accented letter or an emoji.
      const cut = graphemePrefix(part, (prefix) => prefix.length <= keep);
      const space = cut.lastIndexOf(" ");
      const shorter = `${space > keep / 2 ? cut.slice(0, space) : cut}...`;
      const candidate = result.replace(part, shorter);
      if (ussdCapacity(candidate, limit).fits) return candidate;
    }
    result = result.replace(part, `${graphemePrefix(part, (prefix) => prefix.length <= 8)}...`);
  }
  return result;
}
