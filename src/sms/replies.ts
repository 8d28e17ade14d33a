// Replies of the SMS channel. Each fits one 160-character GSM-7 SMS (test/sms/replies.test.ts measures
// them at realistic worst-case lengths); vendor text is shortened, never our instructions.
import { en } from "../../machines/copy/en.js";
import { graphemePrefix, toGsm7 } from "../text/gsm7.js";

const words = en.sms;

/** The command list, one SMS. */
export function helpReply(): string {
  return words.help;
}

export function quoteReply(q: {
  productName: string;
  subscriberId: string;
  customerName?: string;
  currency: string;
  amount: string;
  charge: string;
  total: string;
  code: string;
  minutes: number;
}): string {
  const who = q.customerName ? shorten(toGsm7(q.customerName), 24) : "";
  return (
    words.quote(who, q.productName, q.subscriberId, q.currency, q.amount, q.charge, q.total) +
    words.quoteAction(q.code, q.minutes)
  );
}

export function noQuoteReply(): string {
  return words.noQuote;
}

export function wrongCodeReply(): string {
  return words.wrongCode;
}

export function cancelledReply(): string {
  return words.cancelled;
}

export function pendingReply(reference: string): string {
  return words.pending(reference);
}

export function failedReply(reference: string, reason: string): string {
  return words.failed(reference, shorten(toGsm7(reason), 80));
}

export function notSentReply(): string {
  return words.notSent;
}

export function quoteRefusedReply(reason: string): string {
  return words.quoteRefused(shorten(toGsm7(reason), 110));
}

export function badInputReply(problem: string): string {
  return words.badInput(shorten(toGsm7(problem), 100));
}

export function whichProviderReply(productName: string, providers: { code: string }[]): string {
  const name = shorten(toGsm7(productName), 20);
  const options = shorten(providers.map((p) => p.code).join(", "), 60);
  return words.whichProvider(name, providers[0]?.code ?? "", options);
}

export function noTokensReply(): string {
  return words.noTokens;
}

export function statusReply(p: {
  reference: string;
  productName: string;
  subscriberId: string;
  currency: string;
  amount: string;
  status: string;
  failureReason?: string;
}): string {
  const w = words.status;
  const head = w.head(p.reference, p.productName, p.subscriberId, p.currency, p.amount);
  switch (p.status) {
    case "SUCCESSFUL":
      return `${head} ${w.successful}`;
    case "FAILED":
      return `${head} ${w.failed(shorten(toGsm7(p.failureReason ?? ""), 60))}`;
    case "QUOTED":
      return `${head} ${w.quoted}`;
    default:
      return `${head} ${w.processing}`;
  }
}

export function unknownReferenceReply(reference: string): string {
  return words.unknownReference(shorten(reference, 20));
}

export function tooManyMessagesReply(): string {
  return words.tooManyMessages;
}

export function tooManyQuotesReply(): string {
  return words.tooManyQuotes;
}

export function busyReply(): string {
  return words.busy;
}

function shorten(text: string, max: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean;
  const cut = graphemePrefix(clean, (prefix) => prefix.length <= max - 3);
  const space = cut.lastIndexOf(" ");
  return `${space > max / 2 ? cut.slice(0, space) : cut}...`;
}
