// The vendor's token field as the ledger keeps it, split into what the customer keys in, and masked for
// logs. Purchases (the USSD outcome), the notifier (token SMS) and the gateways (log lines) all read it here.
import type { Token } from "../../machines/purchase/rules.js";

const collapseSpaces = (text: string): string => text.replace(/\s+/g, " ").trim();

/**
 * Splits `product.token`: either one bare token, or `Description: Token` pairs joined by `|`.
 * The result keeps the vendor's order, which is the order the meter must accept them in.
 */
export function parseTokens(raw: string): Token[] {
  const tokens: Token[] = [];
  for (const part of raw.split("|")) {
    // Descriptions never contain `:` and tokens are digit groups, so the first colon separates them.
    const colon = part.indexOf(":");
    const description = colon < 0 ? "" : collapseSpaces(part.slice(0, colon));
    const token = collapseSpaces(colon < 0 ? part : part.slice(colon + 1));
    if (!token) continue;
    tokens.push(description ? { description, token } : { token });
  }
  return tokens;
}

/** Runs of digits, optionally grouped by single spaces or hyphens ("0404 0404 …", "0404-0404-…"). */
const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;
/** STS tokens are 20 digits; meters and phones stay below 16 (masking a longer run by mistake is harmless). */
const TOKEN_MIN_DIGITS = 16;

/**
 * Hides token-like digit runs for logs (SPEC 6.5), keeping the last 4 digits so support can still say
 * "the token ending 0081": `0404 0404 0400 0000 0081` → `**** **** **** **** 0081`.
 */
export function maskTokens(text: string): string {
  return text.replace(DIGIT_RUN, (run) => {
    let digitsLeft = run.replace(/\D/g, "").length;
    if (digitsLeft < TOKEN_MIN_DIGITS) return run;
    return run.replace(/\d/g, (digit) => (digitsLeft-- > 4 ? "*" : digit));
  });
}
