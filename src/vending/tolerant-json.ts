// Vendor answers are read as strict JSON first. The vendors' own documents print example bodies that are
// not valid JSON (Powershop.ng's `"code": 00` and an unquoted `transactionDate`; ScratchPower's Current API
// elides fields with a bare `...`), and a server written from such a document may send them as printed.
// This reader accepts exactly those three irregularities, outside strings only, and nothing else: a
// truncated or otherwise broken body still fails, because a guessed repair of a money answer is worse
// than an unreadable one.

/**
 * The JSON value of `text`, or undefined when it is not JSON even after the documented repairs:
 * - a number with leading zeros (`00`, `007`) becomes the string of its digits (`"00"`);
 * - an unquoted date or date-time value (`2020-02-10T10:10:10.000`, `2018-11-24 16:53:19`) becomes a string;
 * - an elision `...` standing for omitted members or elements is dropped.
 */
export function parseVendorJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // fall through to the documented repairs
  }
  const repaired = repairDocumentedIrregularities(text);
  if (repaired === undefined) return undefined;
  try {
    return JSON.parse(repaired);
  } catch {
    return undefined;
  }
}

const LEADING_ZERO_NUMBER = /^0\d+(?![\d.eE])/;
const UNQUOTED_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/;
const ELISION = /^\.\.\.\s*,?/;

/** Rewrites the irregular tokens outside string literals; undefined when there was nothing to repair. */
function repairDocumentedIrregularities(text: string): string | undefined {
  let out = "";
  let changed = false;
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '"') {
      const end = endOfString(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const rest = text.slice(i, i + 40);
    const date = UNQUOTED_DATE.exec(rest);
    if (date && startsValue(out)) {
      out += JSON.stringify(date[0]);
      i += date[0].length;
      changed = true;
      continue;
    }
    const zeros = LEADING_ZERO_NUMBER.exec(rest);
    if (zeros && startsValue(out)) {
      out += JSON.stringify(zeros[0]);
      i += zeros[0].length;
      changed = true;
      continue;
    }
    const elision = ELISION.exec(rest);
    if (elision) {
      // `{ "a": 1, ... }` → `{ "a": 1 }`: drop the elision and the comma before it (or after it, when first).
      out = out.replace(/,\s*$/, "");
      i += elision[0].length;
      changed = true;
      continue;
    }
    out += char;
    i += 1;
  }
  return changed ? out : undefined;
}

/** Index just past the string literal starting at `start` (or the end of text when it is unterminated). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === "\\") i += 2;
    else if (text[i] === '"') return i + 1;
    else i += 1;
  }
  return text.length;
}

/** Whether the next token is a value: after `:`, `[` or `,` (ignoring whitespace). */
function startsValue(before: string): boolean {
  const last = before.trimEnd().at(-1);
  return last === ":" || last === "[" || last === ",";
}
