// The SMS command grammar: what a customer's text asks for. Pure: no I/O, no vendor knowledge beyond the
// product words. Case-insensitive; spaces, commas, `*`, `#` and `;` all separate words.
//
//   <product> [<provider>] <subscriber> <amount> [<phone for the token>]   a quote
//   YES <code> | NO                                                         answer the latest quote
//   LAST | STATUS <reference> | HELP

export type SmsCommand =
  | { kind: "buy"; product: string; words: string[] }
  | { kind: "yes"; code: string }
  | { kind: "no" }
  | { kind: "last" }
  | { kind: "status"; reference: string }
  | { kind: "help" }
  /** Not understood: answered with the command list. */
  | { kind: "unknown" };

/** Short words customers use for each product type; the vendor's own product names work too. */
const PRODUCT_WORDS: Record<string, string> = {
  ELEC: "ELECTRICITY",
  ELECTRICITY: "ELECTRICITY",
  POWER: "ELECTRICITY",
  PREPAID: "ELECTRICITY",
  AIRTIME: "AIRTIME",
  AIR: "AIRTIME",
  TOPUP: "AIRTIME",
  WATER: "WATER",
};

export function words(text: string): string[] {
  return text
    .trim()
    .toUpperCase()
    .split(/[\s,*#;]+/)
    .filter((w) => w.length > 0);
}

export function parseCommand(text: string): SmsCommand {
  const [first, ...rest] = words(text);
  if (!first) return { kind: "unknown" };
  switch (first) {
    case "YES":
    case "Y":
    case "OK":
      return rest[0] ? { kind: "yes", code: rest[0] } : { kind: "unknown" };
    case "NO":
    case "N":
    case "CANCEL":
      return { kind: "no" };
    case "LAST":
    case "TOKENS":
      return { kind: "last" };
    case "STATUS":
    case "CHECK":
      return rest[0] ? { kind: "status", reference: rest[0] } : { kind: "unknown" };
    case "HELP":
    case "MENU":
    case "?":
      return { kind: "help" };
  }
  const product = PRODUCT_WORDS[first] ?? first;
  return rest.length >= 2 ? { kind: "buy", product, words: rest } : { kind: "unknown" };
}

/** The product a buy command names: by type word (`ELEC`, `AIR`) or the vendor's display name. */
export function findProduct<P extends { type: string; name: string }>(
  products: P[],
  word: string,
): P | undefined {
  const upper = word.toUpperCase();
  return products.find((p) => p.type.toUpperCase() === upper || p.name.toUpperCase() === upper);
}

/**
 * Splits the words after the product into provider, subscriber, amount and optional recipient. The provider
 * is named when the first word is one of the product's providers; otherwise the product must have only one.
 */
export function readBuyWords(
  providers: { code: string; name: string }[],
  buyWords: string[],
):
  | { ok: true; providerCode: string; subscriber: string; amount: string; recipient?: string }
  | { ok: false; reason: "provider" | "shape" } {
  const [first, ...others] = buyWords;
  const named = providers.find(
    (p) => p.code.toUpperCase() === first || p.name.toUpperCase().replace(/\s+/g, "") === first,
  );
  const rest = named ? others : buyWords;
  const providerCode = named?.code ?? (providers.length === 1 ? providers[0]?.code : undefined);
  if (!providerCode) return { ok: false, reason: "provider" };
  const [subscriber, amount, recipient, ...extra] = rest;
  if (!subscriber || !amount || extra.length > 0) return { ok: false, reason: "shape" };
  return { ok: true, providerCode, subscriber, amount, ...(recipient ? { recipient } : {}) };
}
