import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";

/** The region part of a locale such as `en-BW` (→ `BW`), used to read local phone numbers. */
export function regionOf(locale: string): CountryCode {
  const region = locale.split(/[-_]/)[1]?.toUpperCase();
  return (region ?? "BW") as CountryCode;
}

/**
 * A phone number as typed by a customer or sent by an aggregator (`71436390`, `+267 71 436 390`,
 * `26771436390`, `0026771436390`) → E.164 digits without `+` (`26771436390`), or null when it is not a
 * valid number. Local numbers are read in `region`.
 */
export function toE164Digits(raw: string, region: CountryCode): string | null {
  const cleaned = raw.trim().replace(/[\s().-]/g, "");
  // Menu choices and amounts are not phone numbers: skip the (comparatively costly) parse for them.
  if (!/^\+?\d{6,17}$/.test(cleaned)) return null;
  const candidates = cleaned.startsWith("+")
    ? [cleaned]
    : cleaned.startsWith("00")
      ? [`+${cleaned.slice(2)}`]
      : [cleaned, `+${cleaned}`];
  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(candidate, region);
    if (parsed?.isValid()) return parsed.number.slice(1);
  }
  return null;
}

/**
 * `read` with its answers remembered, for the numbers an aggregator sends on every callback of a session:
 * each is parsed once rather than per callback. Bounded: the memory is emptied when `capacity` is reached.
 */
export function rememberingPhoneReader(
  read: (raw: string) => string | null,
  capacity = 10_000,
): (raw: string) => string | null {
  const known = new Map<string, string | null>();
  return (raw) => {
    const seen = known.get(raw);
    if (seen !== undefined) return seen;
    if (known.size >= capacity) known.clear();
    const phone = read(raw);
    known.set(raw, phone);
    return phone;
  };
}
