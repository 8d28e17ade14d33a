// A snapshot's screen (machines/purchase/screens.ts), in the customer's words, fitted to the aggregator's
// limit in GSM-7: where a screen is too long, only the vendor's text in it (reasons, hints, names) is
// shortened, never our instructions.
import type { SnapshotFrom } from "xstate";
import { type Catalogue, en } from "../../machines/copy/en.js";
import type { PurchaseMachine } from "../../machines/purchase/machine.js";
import { screenOf } from "../../machines/purchase/screens.js";
import { ussdCapacity } from "../text/gsm7.js";
import type { UssdReply } from "./types.js";

export function renderScreen(
  snapshot: SnapshotFrom<PurchaseMachine>,
  limit: number,
  words: Catalogue = en,
): UssdReply {
  const fits = (text: string) => ussdCapacity(text, limit).fits;
  const reply = screenOf(snapshot, { words, fits });
  if (fits(reply.text)) return reply;
  const c = snapshot.context;
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
