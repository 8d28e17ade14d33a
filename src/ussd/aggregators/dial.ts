// Dial strings: what a customer dialled (`*713*5*3#`) split into our service code (`*713*5#`) and the inputs
// typed after it (`["3"]`), which the session applies as if typed one by one.

/** The `*`-separated parts of a dial string or service code: `*713*5*3#`, `713*5*3`, `*713*5` → parts. */
export function dialParts(dialString: string): string[] {
  // Nothing after the first `#` belongs to the request (`#` ends a USSD string).
  const body = dialString.replace(/\s+/g, "").split("#")[0] ?? "";
  // Empty parts (`*713**3#`, leading `*`) carry no input.
  return body.split("*").filter((part) => part !== "");
}

/** Parts → the conventional form `*713*5#` ("" when there are none). */
export function formatDialCode(parts: readonly string[]): string {
  return parts.length === 0 ? "" : `*${parts.join("*")}#`;
}

function startsWith(parts: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length > 0 && prefix.length <= parts.length && prefix.every((part, i) => parts[i] === part);
}

/**
 * The inputs dialled after `serviceCode` (given with or without `*`/`#`): `("*713*5*3#", "713*5")` → `["3"]`.
 * [] when nothing extra was dialled, and also when the dial string does not start with the code: a guess
 * would apply the wrong menu choices, while [] merely shows the first menu.
 */
export function dialledParts(dialString: string, serviceCode: string): string[] {
  const parts = dialParts(dialString);
  const code = dialParts(serviceCode);
  return startsWith(parts, code) ? parts.slice(code.length) : [];
}

/**
 * For aggregators that send only the whole dial string (Nalo, Arkesel, TruRoute): the longest of our
 * `knownCodes` it starts with is the service code, the rest are dialled inputs. Without a matching known
 * code the base code cannot be told apart from inputs (shared codes such as `*920*55#` have two parts), so
 * the whole string is taken as the service code and nothing as dialled.
 */
export function splitDialString(
  dialString: string,
  knownCodes: readonly string[] = [],
): { serviceCode: string; dialled: string[] } {
  const parts = dialParts(dialString);
  const match = knownCodes
    .map(dialParts)
    .filter((code) => startsWith(parts, code))
    .sort((a, b) => b.length - a.length)[0];
  if (!match) return { serviceCode: formatDialCode(parts), dialled: [] };
  return { serviceCode: formatDialCode(match), dialled: parts.slice(match.length) };
}

/** Options of the adapters that only see the whole dial string. */
export interface DialOptions {
  /** Our service codes as dialled (`*920*55#`), to tell the code from inputs dialled after it. */
  serviceCodes?: readonly string[];
}
