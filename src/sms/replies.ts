// Replies of the SMS channel. Each fits one 160-character GSM-7 SMS (test/sms/replies.test.ts measures
// them at realistic worst-case lengths); vendor text is shortened, never our instructions.
import { toGsm7 } from "../text/gsm7.js";

/** The command list, one SMS. */
export function helpReply(): string {
  return "Buy: ELEC <meter> <amount>, WATER <meter> <amount>, AIRTIME <network> <number> <amount>. Then YES <code>. LAST: tokens again. STATUS <ref>";
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
  const who = q.customerName ? `${shorten(toGsm7(q.customerName), 24)}, ` : "";
  return (
    `${who}${q.productName} ${q.subscriberId}: ${q.currency} ${q.amount} + charge ${q.charge} = ${q.currency} ${q.total}. ` +
    `Reply YES ${q.code} to pay or NO to cancel, within ${q.minutes} min.`
  );
}

export function noQuoteReply(): string {
  return "You have no quote waiting (it may have expired). Send e.g. ELEC <meter> <amount> for a new one. Nothing was bought.";
}

export function wrongCodeReply(): string {
  return "That code does not match your latest quote. Nothing was bought. Reply YES with the code from the quote, or NO.";
}

export function cancelledReply(): string {
  return "Quote cancelled. Nothing was bought.";
}

export function pendingReply(reference: string): string {
  return `Your purchase ${reference} is being processed. Your token will arrive by SMS shortly.`;
}

export function failedReply(reference: string, reason: string): string {
  return `Purchase ${reference} failed: ${shorten(toGsm7(reason), 80)} You have not been charged.`;
}

export function notSentReply(): string {
  return "Sorry, we could not complete your purchase. You have not been charged. Please try again.";
}

export function quoteRefusedReply(reason: string): string {
  return `${shorten(toGsm7(reason), 110)} Nothing was bought. Send HELP for how to buy.`;
}

export function badInputReply(problem: string): string {
  return `${shorten(toGsm7(problem), 100)} Send HELP for how to buy.`;
}

export function whichProviderReply(productName: string, providers: { code: string }[]): string {
  const name = shorten(toGsm7(productName), 20);
  const options = shorten(providers.map((p) => p.code).join(", "), 60);
  return `Which network for ${name.toLowerCase()}? Send e.g. ${name.toUpperCase()} ${providers[0]?.code ?? ""} <number> <amount>. Options: ${options}`;
}

export function noTokensReply(): string {
  return "We found no tokens bought by or for your number.";
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
  const head = `${p.reference} (${p.productName} ${p.subscriberId}, ${p.currency} ${p.amount}):`;
  switch (p.status) {
    case "SUCCESSFUL":
      return `${head} successful. Send LAST to get your tokens again.`;
    case "FAILED":
      return `${head} failed, not charged. ${shorten(toGsm7(p.failureReason ?? ""), 60)}`.trim();
    case "QUOTED":
      return `${head} quoted, not paid.`;
    default:
      return `${head} being processed. You will get an SMS when it is done.`;
  }
}

export function unknownReferenceReply(reference: string): string {
  return `We found no purchase ${shorten(reference, 20)} for your number. Check the reference in your SMS.`;
}

export function tooManyMessagesReply(): string {
  return "You have sent many messages in a short time. Please wait a few minutes before sending more.";
}

export function tooManyQuotesReply(): string {
  return "You have asked for many quotes this hour. Please try again later, or reply YES <code> to a quote you have.";
}

export function busyReply(): string {
  return "Sorry, the service is busy. Please try again in a few minutes.";
}

function shorten(text: string, max: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 3);
  const space = cut.lastIndexOf(" ");
  return `${space > max / 2 ? cut.slice(0, space) : cut}...`;
}
