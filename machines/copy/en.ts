// Every word a USSD customer reads, in English. Another language is one file beside this one that
// `satisfies Catalogue`, so a missing or misspelt key is a type error; it must be written (or at least
// read and corrected) by a native speaker, never machine-translated, because customers spend money on it.
// Vendor text (names, the vendor's own reasons) is shown as the vendor sent it and is not in here.
import type { Refusal, VendorFailure } from "../purchase/rules.js";

export const en = {
  /** The language's name in itself, for the first-time language menu. */
  languageName: "English",
  nav: {
    backAndMenu: "0 Back 00 Menu",
    back: "0 Back",
    more: "98 More",
  },
  menu: {
    title: "Buy:",
    lastTokens: "My last tokens",
  },
  provider: {
    title: (product: string) => `${product} provider:`,
  },
  subscriberChoice: {
    title: (product: string) => `${product} for:`,
    myNumber: "1 My number",
    anotherNumber: "2 Another number",
  },
  subscriber: {
    prompt: (label: string, hint: string) => `Enter ${label}${hint ? ` (${hint})` : ""}:`,
  },
  amount: {
    prompt: (currency: string, min: string, max: string) => `Enter amount in ${currency} (${min}-${max}):`,
  },
  recipient: {
    prompt: "Enter the phone number for the token SMS:",
  },
  quote: {
    amount: (currency: string, amount: string) => `Amount ${currency} ${amount}`,
    charge: (currency: string, charge: string) => `Charge ${currency} ${charge}`,
    total: (currency: string, total: string) => `Total ${currency} ${total}`,
    totalWithCharge: (currency: string, total: string, charge: string) =>
      `Total ${currency} ${total} (charge ${charge})`,
    tokenTo: (phone: string) => `Token SMS to +${phone}`,
    /** The same, on the smallest screens. */
    to: (phone: string) => `To +${phone}`,
    pay: "1 Pay",
    payWithCode: (code: string) => `Enter ${code} to pay`,
    payWithCodeShort: (code: string) => `${code} Pay`,
    sendElsewhere: "2 Send token to another phone",
    cancel: (option: string) => `${option} Cancel`,
    /** The options on one line, for short screens. */
    optionsShort: (pay: string, tokens: boolean) =>
      tokens ? `${pay} 2 Other phone 3 Cancel` : `${pay} 2 Cancel`,
    unavailable: "Quote unavailable.",
  },
  quoteError: {
    fallback: "The provider could not quote.",
    tryAgain: "1 Try again",
    changeSubscriber: (what: string) => `1 Change ${what}`,
    changeAmount: "2 Change amount",
    /** What "Change …" names when the subscriber is a phone number. */
    number: "number",
  },
  quoting: {
    slow: "The provider is slow, please try again.",
  },
  pending: (reference?: string) =>
    `Your purchase is being processed. You will get an SMS shortly.${reference ? ` Ref ${reference}` : ""}`,
  done: {
    paid: (units?: string) => `Paid.${units ? ` ${units}.` : ""}`,
    enterInOrder: "Enter in this order:",
    token: (token: string) => `Token: ${token}`,
    numberedToken: (n: number, description: string | undefined, token: string) =>
      `${n}) ${description ? `${description}: ` : ""}${token}`,
    alsoBySms: (to: string | undefined, reference: string) =>
      `Also sent by SMS${to ? ` at +${to}` : ""}. Ref ${reference}`,
    reference: (reference: string) => `Ref ${reference}`,
    tokensBySms: (count: number, to: string | undefined, units: string | undefined, reference: string) =>
      `Paid. Your ${count > 1 ? `${count} tokens` : "token"} will arrive by SMS${to ? ` at +${to}` : ""}.${units ? ` ${units}.` : ""} Ref ${reference}`,
    tokenless: (currency: string, amount: string, product: string, subscriber: string, reference: string) =>
      `Done: ${currency} ${amount} ${product.toLowerCase()} for ${subscriber}. Ref ${reference}`,
    failed: (reason: string) => `Purchase failed: ${reason} You have not been charged.`,
    notSent: "Sorry, we could not complete your purchase. You have not been charged. Please try again.",
  },
  cancelled: "Purchase cancelled. You have not been charged.",
  lastTokens: {
    found: (reference: string) => `Your last tokens are on their way by SMS. Ref ${reference}`,
    none: "We found no tokens bought by or for your number.",
    failed: "Sorry, we could not fetch your tokens now. Please try again later.",
  },
  session: {
    expired: "Your session has expired. Please dial again.",
    tooMany: "You have started many sessions in a short time. Please wait a minute and dial again.",
    busy: "Sorry, the service is briefly unavailable. Please dial again in a few minutes.",
    resume: (what: string, tail?: string) =>
      `1 Continue ${what}${tail ? ` for ...${tail}` : ""}\n2 Start again`,
  },
  /** Replies of the SMS channel: each must fit one 160-character GSM-7 SMS with the vendor text in it. */
  sms: {
    help: "Buy: ELEC <meter> <amount>, WATER <meter> <amount>, AIRTIME <network> <number> <amount>. Then YES <code>. LAST: tokens again. STATUS <ref>",
    quote: (
      who: string,
      product: string,
      subscriber: string,
      currency: string,
      amount: string,
      charge: string,
      total: string,
    ) =>
      `${who ? `${who}, ` : ""}${product} ${subscriber}: ${currency} ${amount} + charge ${charge} = ${currency} ${total}. `,
    quoteAction: (code: string, minutes: number) =>
      `Reply YES ${code} to pay or NO to cancel, within ${minutes} min.`,
    noQuote:
      "You have no quote waiting (it may have expired). Send e.g. ELEC <meter> <amount> for a new one. Nothing was bought.",
    wrongCode:
      "That code does not match your latest quote. Nothing was bought. Reply YES with the code from the quote, or NO.",
    cancelled: "Quote cancelled. Nothing was bought.",
    pending: (reference: string) =>
      `Your purchase ${reference} is being processed. Your token will arrive by SMS shortly.`,
    failed: (reference: string, reason: string) =>
      `Purchase ${reference} failed: ${reason} You have not been charged.`,
    notSent: "Sorry, we could not complete your purchase. You have not been charged. Please try again.",
    quoteRefused: (reason: string) => `${reason} Nothing was bought. Send HELP for how to buy.`,
    badInput: (problem: string) => `${problem} Send HELP for how to buy.`,
    whichProvider: (product: string, example: string, options: string) =>
      `Which network for ${product.toLowerCase()}? Send e.g. ${product.toUpperCase()} ${example} <number> <amount>. Options: ${options}`,
    noTokens: "We found no tokens bought by or for your number.",
    status: {
      head: (reference: string, product: string, subscriber: string, currency: string, amount: string) =>
        `${reference} (${product} ${subscriber}, ${currency} ${amount}):`,
      successful: "successful. Send LAST to get your tokens again.",
      failed: (reason: string) => `failed, not charged. ${reason}`.trim(),
      quoted: "quoted, not paid.",
      processing: "being processed. You will get an SMS when it is done.",
    },
    unknownReference: (reference: string) =>
      `We found no purchase ${reference} for your number. Check the reference in your SMS.`,
    tooManyMessages:
      "You have sent many messages in a short time. Please wait a few minutes before sending more.",
    tooManyQuotes:
      "You have asked for many quotes this hour. Please try again later, or reply YES <code> to a quote you have.",
    busy: "Sorry, the service is busy. Please try again in a few minutes.",
  },
  /** What a purchase sends by SMS: tokens, receipts, outcomes. Each must fit one 160-character GSM-7 part. */
  notify: {
    tokenHeading: (product: string) => (product ? `${product} token` : "Token"),
    description: (description: string) => ` (${description})`,
    numbered: (heading: string, n: number, count: number, description: string, order: string) =>
      `${heading} ${n}/${count}${description}, ${order}:`,
    enterFirst: "enter this first",
    enterLast: "enter last",
    enterAfter: (previous: number, count: number) => `enter after ${previous}/${count}`,
    footer: (facts: string[], reference: string) =>
      facts.length > 0 ? `${facts.join(", ")}. Ref ${reference}` : `Ref ${reference}`,
    airtimeReceipt: (money: string, subscriber: string, reference: string) =>
      `${money} airtime sent to ${subscriber}. Ref ${reference}. Thank you.`,
    purchase: (product: string, money: string, who: string) =>
      `${product ? `${product} ` : ""}purchase${money ? ` of ${money}` : ""}${who ? ` for ${who}` : ""}`,
    failed: (purchase: string, because: string, reference: string) =>
      `Sorry, your ${purchase} failed${because ? `: ${because}` : ""}${because.endsWith("...") ? "" : "."} You have not been charged. Ref ${reference}`,
    unresolved: (purchase: string, reference: string) =>
      `Your ${purchase} is not confirmed yet. We are checking and will SMS you. Ref ${reference}`,
    noTokensYet:
      "We found no recent token purchases for this phone number. Tokens are sent by SMS to the number given when buying.",
    declined: "The provider declined the purchase.",
    failedWithoutReason: "The purchase failed.",
  },
  /** A vendor failure: the vendor's own reason where it gave a usable one, else our words for the cause. */
  vendorFailure: (failure: VendorFailure): string => {
    if (failure.vendorReason) return failure.vendorReason;
    switch (failure.cause) {
      case "timeout":
        return "The provider is slow, please try again.";
      case "network":
        return "The provider cannot be reached, please try again.";
      case "server_error":
        return "The provider has a problem, please try again later.";
      case "busy":
        return "The provider is busy, please try again.";
      case "bad_response":
        return "The provider sent an unexpected answer, please try again later.";
      case "login_failed":
        return "The service is unavailable, please try again later.";
      case "declined":
        return "The provider declined the request.";
      case "outcome_unknown":
        return "We are checking your purchase and will send the result by SMS.";
      case "invalid_request":
        return "The request is not valid, please check it and try again.";
      case "insufficient_funds":
        return "The service cannot sell right now, please try again later.";
      case "below_minimum":
        return failure.minimum
          ? `The minimum purchase is ${failure.minimum}.`
          : "The amount is below the minimum purchase, please enter more.";
      case "subscriber_not_found":
        return `${failure.label ?? "Number"} not found. Please check it and try again.`;
    }
  },
  refusal: (refusal: Refusal): string => {
    switch (refusal.key) {
      case "invalidChoice":
        return "Invalid choice.";
      case "invalidSubscriber":
        return `Invalid ${refusal.label.toLowerCase()}.`;
      case "ownNumberNotUsable":
        return "Your number cannot be used here. Choose 2.";
      case "invalidAmount":
        return `Invalid amount. Enter ${refusal.currency} ${refusal.min} to ${refusal.max}.`;
      case "amountOutOfRange":
        return `Amount out of range. Enter ${refusal.currency} ${refusal.min} to ${refusal.max}.`;
      case "invalidPhone":
        return "Invalid phone number.";
      case "vendor":
        return en.vendorFailure(refusal.failure);
    }
  },
};

/** The shape every language's catalogue must have. */
export type Catalogue = typeof en;
