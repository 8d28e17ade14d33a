// A deliberately small XML reader for flat documents such as TruRoute's `<ussd><msisdn>…</msisdn>…</ussd>`:
// one root element whose children hold only text. Anything else (nesting, stray text, unclosed tags) is
// refused rather than guessed at. Handles the XML declaration, comments, CDATA and entity references.

export type FlatXml = { ok: true; fields: Record<string, string> } | { ok: false; reason: string };

const NAME = "[A-Za-z_][\\w.:-]*";
const ATTRIBUTES = `(?:\\s+[^\\s=/>]+\\s*=\\s*(?:"[^"]*"|'[^']*'))*`;
const OPEN_TAG = new RegExp(`^<(${NAME})${ATTRIBUTES}\\s*(/?)>`);
const CLOSE_TAG = new RegExp(`^</(${NAME})\\s*>`);
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decodes entity and character references; an `&` that starts none is kept as it is (lenient). */
export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#")) {
      const code = ref[1] === "x" ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return isXmlChar(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref] ?? whole;
  });
}

/** Escapes text for an element body, dropping characters XML 1.0 cannot carry at all. */
export function escapeXmlText(text: string): string {
  let kept = "";
  for (const char of text) {
    if (isXmlChar(char.codePointAt(0) ?? 0)) kept += char;
  }
  return kept.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Skips whitespace, comments and processing instructions; returns the new position or -1 if one is open. */
function skipMisc(xml: string, from: number): number {
  let at = from;
  for (;;) {
    while (at < xml.length && /\s/.test(xml[at] ?? "")) at++;
    const close = xml.startsWith("<!--", at) ? "-->" : xml.startsWith("<?", at) ? "?>" : null;
    if (!close) return at;
    const end = xml.indexOf(close, at + 2);
    if (end < 0) return -1;
    at = end + close.length;
  }
}

/** Reads `<root><a>text</a><b/>…</root>` into `{a: "text", b: ""}`. */
export function parseFlatXml(xml: string, root: string): FlatXml {
  const malformed = (what: string): FlatXml => ({ ok: false, reason: `malformed XML: ${what}` });
  const text = xml.replace(/^\uFEFF/, "");
  let at = skipMisc(text, 0);
  if (at < 0) return malformed("unclosed comment");
  const rootTag = OPEN_TAG.exec(text.slice(at));
  if (!rootTag || rootTag[1] !== root) return malformed(`expected <${root}>`);
  if (rootTag[2] === "/") return malformed(`empty <${root}>`);
  at += rootTag[0].length;

  // A Map: a child named `__proto__` must stay a plain field.
  const fields = new Map<string, string>();
  for (;;) {
    at = skipMisc(text, at);
    if (at < 0) return malformed("unclosed comment");
    const closing = CLOSE_TAG.exec(text.slice(at));
    if (closing) {
      if (closing[1] !== root) return malformed(`unexpected </${closing[1]}>`);
      at += closing[0].length;
      break;
    }
    const open = OPEN_TAG.exec(text.slice(at));
    if (!open) return malformed(at >= text.length ? `unclosed <${root}>` : `unexpected text in <${root}>`);
    const name = open[1] ?? "";
    if (fields.has(name)) return malformed(`duplicate <${name}>`);
    at += open[0].length;
    if (open[2] === "/") {
      fields.set(name, "");
      continue;
    }
    const value = readText(text, at);
    if (!value) return malformed(`<${name}> holds more than text or is not closed`);
    at = value.end;
    const close = CLOSE_TAG.exec(text.slice(at));
    if (close?.[1] !== name) return malformed(`<${name}> is not closed`);
    at += close[0].length;
    fields.set(name, value.text);
  }
  if (skipMisc(text, at) !== text.length) return malformed(`content after </${root}>`);
  return { ok: true, fields: Object.fromEntries(fields) };
}

/** Element text up to the next tag: character data, CDATA sections and comments (skipped). */
function readText(xml: string, from: number): { text: string; end: number } | null {
  let text = "";
  let at = from;
  for (;;) {
    const lt = xml.indexOf("<", at);
    if (lt < 0) return null;
    text += decodeXmlText(xml.slice(at, lt));
    if (xml.startsWith("<![CDATA[", lt)) {
      const end = xml.indexOf("]]>", lt);
      if (end < 0) return null;
      text += xml.slice(lt + 9, end);
      at = end + 3;
    } else if (xml.startsWith("<!--", lt)) {
      const end = xml.indexOf("-->", lt + 4);
      if (end < 0) return null;
      at = end + 3;
    } else if (xml.startsWith("</", lt)) {
      return { text, end: lt };
    } else {
      return null;
    }
  }
}
