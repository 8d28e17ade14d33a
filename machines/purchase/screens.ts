// One screen per state of the journey, keyed by state name: a state without a screen is a type error.
// Screens are derived from state + context (never from entry actions, which do not run again when a
// snapshot is restored), in the customer's words (`Catalogue`). How long a screen may be is the caller's
// (`fits`): each aggregator has its own limit, measured in GSM-7.
import type { SnapshotFrom } from "xstate";
import type { Catalogue } from "../copy/en.js";
import type { JourneyContext, PurchaseMachine } from "./machine.js";
import type { Product } from "./rules.js";

export interface Screen {
  text: string;
  /** The session ends with this screen (`END`). */
  end: boolean;
}

export interface ScreenView {
  context: JourneyContext;
  /** The chosen product, from the current catalogue (null before one is chosen). */
  product: Product | null;
  words: Catalogue;
  /** Whether a text fits the aggregator's screen. */
  fits: (text: string) => boolean;
}

/** States the journey passes through without stopping have no screen. */
type PassingStates = "start" | "afterProduct" | "afterProvider" | "afterAmount";
export type ScreenState = Exclude<SnapshotFrom<PurchaseMachine>["value"], PassingStates>;

const more = (text: string): Screen => ({ text, end: false });
const end = (text: string): Screen => ({ text, end: true });

/** The refusal of the last input above the prompt, in the customer's words. */
function withError({ context, words }: ScreenView, prompt: string): string {
  return context.error ? `${words.refusal(context.error)}\n${prompt}` : prompt;
}

export const screens: { [S in ScreenState]: (view: ScreenView) => Screen } = {
  // Each language named in itself, so every customer can find theirs.
  language: (view) =>
    more(withError(view, view.context.languageChoice.map((l, i) => `${i + 1} ${l.name}`).join("\n"))),
  resumeOffer: (view) => {
    const { context: c, words } = view;
    const journey = c.resume?.journey;
    const product = c.products.find((p) => p.type === journey?.productType);
    const offer = words.session.resume(product?.name ?? "", journey?.subscriberId?.slice(-4) ?? undefined);
    return more(withError(view, offer));
  },
  menu: (view) => {
    const { context: c, words } = view;
    const options = [...c.products.map((p) => p.name), words.menu.lastTokens];
    const footer = c.page > 0 ? [words.nav.back] : [];
    return more(paginate(withError(view, words.menu.title), options, c.page, view, footer));
  },
  provider: (view) => {
    const { context: c, product, words } = view;
    const options = (product?.providers ?? []).map((p) => p.name);
    const title = words.provider.title(product?.name ?? "");
    return more(paginate(withError(view, title), options, c.page, view, [words.nav.backAndMenu]));
  },
  subscriberChoice: (view) => {
    const { product, words } = view;
    const w = words.subscriberChoice;
    const lines = [w.title(product?.name ?? ""), w.myNumber, w.anotherNumber, words.nav.backAndMenu];
    return more(withError(view, lines.join("\n")));
  },
  subscriber: (view) => {
    const { product, words } = view;
    const prompt = words.subscriber.prompt(subjectOf(product), product?.subscriberHint ?? "");
    return more(withError(view, `${prompt}\n${words.nav.backAndMenu}`));
  },
  amount: (view) => {
    const { context: c, words } = view;
    const prompt = words.amount.prompt(c.currency, c.minAmount, c.maxAmount);
    return more(withError(view, `${prompt}\n${words.nav.backAndMenu}`));
  },
  recipient: (view) => more(withError(view, `${view.words.recipient.prompt}\n${view.words.nav.backAndMenu}`)),
  quoting: (view) => end(view.words.quoting.slow),
  quote: (view) => more(withError(view, quoteScreen(view))),
  quoteError: (view) => {
    const { context: c, product, words } = view;
    const w = words.quoteError;
    // Retryable: try again. Refused without a word on which input: the customer picks what to change.
    const options = c.quoteFailure?.retryable
      ? [w.tryAgain]
      : [w.changeSubscriber(changeWhat(product, words)), w.changeAmount];
    const reason = c.quoteFailure ? words.vendorFailure(c.quoteFailure.failure) : w.fallback;
    const lines = [reason, ...options, words.nav.backAndMenu];
    return more(withError(view, lines.join("\n")));
  },
  confirming: (view) => end(view.words.pending(view.context.quote?.reference)),
  done: (view) => end(outcomeText(view)),
  cancelled: (view) => end(view.words.cancelled),
  lastTokens: (view) => end(lastTokensText(view)),
  lastTokensDone: (view) => end(lastTokensText(view)),
};

/** The screen of a state at rest, with this context (the caller may have respelled its vendor text first). */
export function screenOf(
  state: SnapshotFrom<PurchaseMachine>["value"],
  context: JourneyContext,
  view: Omit<ScreenView, "context" | "product">,
): Screen {
  const product = context.products.find((p) => p.type === context.productType) ?? null;
  const show = screens[state as ScreenState];
  return show ? show({ ...view, context, product }) : end(view.words.session.expired);
}

function subjectOf(product: Product | null): string {
  return (product?.subscriberLabel ?? "number").toLowerCase();
}

/** "meter" for a "Meter Number", "number" for a phone: short, so the vendor's whole reason fits above it. */
function changeWhat(product: Product | null, words: Catalogue): string {
  if (!product || product.subscriberIsPhone) return words.quoteError.number;
  return subjectOf(product).replace(/ number$/, "") || words.quoteError.number;
}

function quoteScreen({ context: c, product, words, fits }: ScreenView): string {
  const q = c.quote;
  if (!q || !product) return words.quote.unavailable;
  const w = words.quote;
  const provider = product.providers.find((p) => p.code === c.providerCode);
  const head = [
    `${product.name}${provider && product.providers.length > 1 ? ` ${provider.name}` : ""} ${c.subscriberId ?? ""}`,
    // The verified name on its own line, so the customer checks it before paying.
    q.customerName ?? null,
  ];
  const money = [
    w.amount(q.currency, q.amount),
    w.charge(q.currency, q.charge),
    w.total(q.currency, q.total),
  ];
  const moneyShort = [w.totalWithCharge(q.currency, q.total, q.charge)];
  const to = product.issuesToken && c.recipient && c.recipient !== c.phone ? w.tokenTo(c.recipient) : null;
  const pay = c.payCode ? w.payWithCode(c.payCode) : w.pay;
  const options = product.issuesToken ? [pay, w.sendElsewhere, w.cancel("3")] : [pay, w.cancel("2")];
  // A short screen (Nalo's 120) gets the same choices said more compactly, the money on one line.
  const optionsShort = [
    w.optionsShort(c.payCode ? w.payWithCodeShort(c.payCode) : w.pay, product.issuesToken),
  ];
  // The smallest: the meter (to catch a typo), the verified name, the total, who gets the token, the choices.
  const tiny = [
    c.subscriberId ?? "",
    q.customerName ?? null,
    w.total(q.currency, q.total),
    to && w.to(c.recipient ?? ""),
  ];
  const variants = [
    [...head, ...money, to, ...options],
    [...head, ...money, to, ...optionsShort],
    [...head, ...moneyShort, to, ...optionsShort],
    [...tiny, ...optionsShort],
  ].map((lines) => [...lines.filter((line) => line !== null), words.nav.backAndMenu].join("\n"));
  // A screen in UCS-2 (a name outside GSM-7) has 80 characters: the choices alone, `0`/`00` still work.
  variants.push([...tiny.slice(0, 3), ...optionsShort].filter((line) => line !== null).join("\n"));
  return variants.find(fits) ?? (variants.at(-1) as string);
}

function outcomeText({ context: c, product, words, fits }: ScreenView): string {
  const o = c.outcome;
  const w = words.done;
  if (!o) return words.pending(c.quote?.reference);
  switch (o.status) {
    case "SUCCESSFUL": {
      if (product?.issuesToken === false) {
        const currency = c.quote?.currency ?? c.currency;
        return w.tokenless(currency, c.quote?.amount ?? "", product.name, c.subscriberId ?? "", o.reference);
      }
      const to = c.recipient && c.recipient !== c.phone ? c.recipient : undefined;
      // The customer may be standing at the meter: the tokens themselves, numbered in the order to enter
      // them, where they fit (the SMS carries them too).
      const tokens = o.tokens ?? [];
      if (tokens.length > 0) {
        const lines = tokens.map((t, i) =>
          tokens.length === 1 ? w.token(t.token) : w.numberedToken(i + 1, t.description, t.token),
        );
        const order = tokens.length > 1 ? [w.enterInOrder] : [];
        const shown = [
          [w.paid(o.units), ...order, ...lines, w.alsoBySms(to, o.reference)],
          [w.paid(o.units), ...lines, w.alsoBySms(to, o.reference)],
          [w.paid(o.units), ...lines, w.reference(o.reference)],
        ]
          .map((variant) => variant.join("\n"))
          .find(fits);
        if (shown) return shown;
      }
      return w.tokensBySms(o.tokenCount, to, o.units, o.reference);
    }
    case "FAILED":
      return w.failed(o.reason);
    case "PENDING":
      return words.pending(o.reference);
    case "NOT_SENT":
      return w.notSent;
  }
}

function lastTokensText({ context: c, words }: ScreenView): string {
  if (c.lastTokens?.found) return words.lastTokens.found(c.lastTokens.reference);
  return c.lastTokens ? words.lastTokens.none : words.lastTokens.failed;
}

/**
 * A numbered list that pages with `98 More` when it does not fit: options keep their global numbers and are
 * never split across pages. `page` wraps around past the last page.
 */
export function paginate(
  header: string,
  options: string[],
  page: number,
  { fits, words }: Pick<ScreenView, "fits" | "words">,
  footer: string[],
): string {
  const fitsLines = (lines: string[]) => fits(lines.join("\n"));
  const numbered = options.map((option, i) => `${i + 1} ${option}`);
  const all = [header, ...numbered, ...footer];
  if (fitsLines(all)) return all.join("\n");

  const pages: string[][] = [];
  let current: string[] = [];
  for (const line of numbered) {
    if (current.length > 0 && !fitsLines([header, ...current, line, words.nav.more, ...footer])) {
      pages.push(current);
      current = [];
    }
    current.push(line);
  }
  if (current.length > 0) pages.push(current);
  const shown = pages[page % pages.length] ?? [];
  return [header, ...shown, words.nav.more, ...footer].join("\n");
}
