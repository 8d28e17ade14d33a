// GSM 03.38 (3GPP TS 23.038) character counting for SMS parts and USSD screens.
// One character outside GSM-7 switches a whole message to UCS-2, which halves its capacity, so texts we
// write are measured here and vendor-supplied text is passed through toGsm7 first (which keeps a letter
// it cannot spell in GSM-7 rather than mangle it: the text is then measured as UCS-2).

/** The default alphabet, row by row as in the standard; the ESC position (0x1B) is left out. */
const BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅå" +
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e" + // Δ_ΦΓΛΩΠΨΣΘΞ (Greek code points)
    "ÆæßÉ" +
    " !\"#¤%&'()*+,-./" +
    "0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +
    "¿abcdefghijklmnopqrstuvwxyzäöñüà",
);

/** Extension table: each costs two septets (ESC + code). */
const EXTENSION = new Set("\f^{}\\[~]|€");

export const SMS_GSM7_LIMIT = 160;
export const SMS_UCS2_LIMIT = 70;
/** Parts of a concatenated SMS lose room to the user data header. */
const SMS_GSM7_PART = 153;
const SMS_UCS2_PART = 67;
/** 160 octets of USSD string: 182 packed GSM-7 characters or 80 UCS-2 characters. */
export const USSD_GSM7_LIMIT = 182;
export const USSD_UCS2_LIMIT = 80;

export type Encoding = "GSM-7" | "UCS-2";

/** Septets `text` takes in GSM-7, or null when any character is outside GSM-7. */
export function gsm7Length(text: string): number | null {
  let length = 0;
  for (const char of text) {
    if (BASIC.has(char)) length += 1;
    else if (EXTENSION.has(char)) length += 2;
    else return null;
  }
  return length;
}

export function isGsm7(text: string): boolean {
  return gsm7Length(text) !== null;
}

export interface Capacity {
  encoding: Encoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  length: number;
  limit: number;
  remaining: number;
  fits: boolean;
}

function capacity(encoding: Encoding, length: number, limit: number): Capacity {
  return { encoding, length, limit, remaining: limit - length, fits: length <= limit };
}

/** Room in one single-part SMS: 160 GSM-7 characters, or 70 when the text needs UCS-2. */
export function smsCapacity(text: string): Capacity {
  const gsm = gsm7Length(text);
  return gsm === null
    ? capacity("UCS-2", text.length, SMS_UCS2_LIMIT)
    : capacity("GSM-7", gsm, SMS_GSM7_LIMIT);
}

/** Whether `text` goes out as exactly one SMS part. */
export function fitsSms(text: string): boolean {
  return smsCapacity(text).fits;
}

/**
 * Room on one USSD screen. `limit` is the aggregator's cap for GSM-7 text (default 182); a screen that
 * needs UCS-2 can never exceed 80 characters on the wire, whatever the aggregator allows.
 */
export function ussdCapacity(text: string, limit = USSD_GSM7_LIMIT): Capacity {
  const gsm = gsm7Length(text);
  return gsm === null
    ? capacity("UCS-2", text.length, Math.min(limit, USSD_UCS2_LIMIT))
    : capacity("GSM-7", gsm, limit);
}

/** Number of parts the network bills for `text` (an escape pair or surrogate pair is never split). */
export function smsParts(text: string): number {
  if (smsCapacity(text).fits) return 1;
  const gsm = isGsm7(text);
  const partSize = gsm ? SMS_GSM7_PART : SMS_UCS2_PART;
  let parts = 1;
  let used = 0;
  for (const char of text) {
    const size = gsm ? (EXTENSION.has(char) ? 2 : 1) : char.length;
    if (used + size > partSize) {
      parts += 1;
      used = 0;
    }
    used += size;
  }
  return parts;
}

/** Common look-alikes that would otherwise force UCS-2 (typographic quotes, dashes, odd spaces). */
const LOOKALIKES: Record<string, string> = {
  "\u2018": "'",
  "\u2019": "'",
  "\u201a": "'",
  "\u2032": "'",
  "`": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u201e": '"',
  "\u2033": '"',
  "\u2013": "-",
  "\u2014": "-",
  "\u2212": "-",
  "\u2026": "...",
  "\u00a0": " ",
  "\u2007": " ",
  "\u202f": " ",
  "\t": " ",
};

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/** One user-perceived character in GSM-7, or null when it has no GSM-7 spelling that keeps the letter. */
function gsm7Spelling(grapheme: string): string | null {
  if (isGsm7(grapheme)) return grapheme;
  const lookalike = LOOKALIKES[grapheme];
  if (lookalike !== undefined) return lookalike;
  // The base letter without its accents (ẹ́ → e, ç → c, ǘ → u), when the alphabet has it; letters it
  // has with their accent (é, ñ, ü, à) never get here. A stray accent with no letter under it goes.
  const base = grapheme.normalize("NFD").replace(/\p{M}/gu, "");
  return isGsm7(base) ? base : null;
}

/**
 * Spells `text` in GSM-7 wherever that keeps every letter, so one stray character from a vendor field does
 * not halve an SMS or a screen: look-alikes are replaced (curly quotes, dashes, odd spaces), accents the
 * alphabet lacks are dropped (ẹ́ → e, ç → c), letters it has are kept (é, ñ, ü, à). A character with no
 * GSM-7 spelling (中, 🙂, ł) is kept as it is, never turned into `?`: the text then needs UCS-2, and
 * `smsCapacity`/`ussdCapacity` hold it to 70 per SMS part or 80 per screen.
 */
export function toGsm7(text: string): string {
  // Text already in GSM-7 (nearly every vendor name) comes back as it is: every screen respells the whole
  // catalogue, and segmenting it into graphemes was a few per cent of a callback's CPU. (GSM-7 characters
  // are their own NFC form and their own graphemes, so the loop below would return the same text.)
  if (isGsm7(text)) return text;
  let out = "";
  // Whole graphemes, so a letter and its combining accents (or an emoji and its modifiers) stay together;
  // NFC first, so an accent the alphabet has (e + U+0301 = é) is kept even when sent decomposed.
  for (const { segment } of graphemes.segment(text.normalize("NFC"))) {
    out += gsm7Spelling(segment) ?? segment;
  }
  return out;
}

/**
 * The longest start of `text`, in whole graphemes, that `fits` accepts: where vendor text is shortened, an
 * emoji (two UTF-16 units) or a letter and its accent is never cut in half into a character that is none.
 */
export function graphemePrefix(text: string, fits: (prefix: string) => boolean): string {
  let prefix = "";
  for (const { segment } of graphemes.segment(text)) {
    if (!fits(prefix + segment)) break;
    prefix += segment;
  }
  return prefix;
}
