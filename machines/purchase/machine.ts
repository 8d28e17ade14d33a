// The USSD purchase journey as a pure statechart: menu → provider → subscriber → amount → quote (pay, send
// the token to another phone, or cancel) → confirm: the common purchase is four inputs. No I/O here: the quote, confirm and "last tokens" calls are actors the caller provides
// with `purchaseMachine.provide({ actors: { ... } })`. Context holds plain JSON only, because the
// snapshot is persisted between callbacks; screens are derived from state + context by the caller.
import { and, assign, fromPromise, not, raise, setup } from "xstate";
import {
  type LastTokensOutcome,
  type Product,
  type PurchaseOutcome,
  payCodeFor,
  type QuotedPurchase,
  type Refusal,
  type VendorFailure,
  validateAmount,
  validateSubscriber,
} from "./rules.js";

/** Bump when states or context change shape: stored snapshots of another version are discarded. */
export const PURCHASE_MACHINE_VERSION = 2;

export const BACK = "0";
export const HOME = "00";
export const MORE = "98";

export interface JourneyInput {
  /** The aggregator's session id: every purchase made in this journey is tied to it. */
  sessionId: string;
  /** The dialling phone, E.164 digits without `+`. */
  phone: string;
  /**
   * The vendor's catalogue as it is now. The session code gives it with every callback and leaves it out of
   * the stored snapshot, which keeps only references (`productType`, `providerCode`).
   */
  products: Product[];
  /** Amount limits as decimal strings, e.g. "1.00" and "5000.00". */
  minAmount: string;
  maxAmount: string;
  currency: string;
  /**
   * The customer dialled product, subscriber and amount in one go (`*123*1*<meter>*<amount>#`): the token
   * goes to their own phone, so the journey goes straight from the amount to the quote.
   */
  directDial?: boolean;
  /**
   * The aggregator sends only the newest input and no hop counter, so its late retry of an old callback
   * cannot be told from a new input: the quote is paid with a code (`payCode`) instead of `1`.
   */
  payByCode?: boolean;
  /** A journey this phone dropped mid-way: offered first ("1 Continue … 2 Start again"). */
  resume?: DroppedJourney | null;
  /** The customer's language (a catalogue code, e.g. `en`). */
  language?: string;
  /** Languages to choose from before anything else: a phone that has not chosen yet, when several are offered. */
  languageChoice?: { code: string; name: string }[];
}

/** The fields of a journey that a resumed session takes over. */
const RESUMED_FIELDS = [
  "history",
  "productType",
  "providerCode",
  "subscriberId",
  "amount",
  "recipient",
  "quote",
  "quoteFailure",
  "typed",
] as const;

/** A journey dropped mid-way (network, timeout): the step it stopped on and what it had chosen. */
export interface DroppedJourney {
  step: InputStep;
  journey: Pick<JourneyContext, (typeof RESUMED_FIELDS)[number]>;
}

/** What a dropped journey's stored context keeps for its resumption. */
export function droppedJourney(step: string, context: Partial<JourneyContext>): DroppedJourney | null {
  if (!(inputSteps as readonly string[]).includes(step) || !context.productType) return null;
  const journey = Object.fromEntries(RESUMED_FIELDS.map((field) => [field, context[field] ?? null]));
  return {
    step: step as InputStep,
    journey: {
      ...journey,
      history: context.history ?? [],
      typed: context.typed ?? [],
    } as DroppedJourney["journey"],
  };
}

export interface QuoteRequest {
  sessionId: string;
  phone: string;
  product: Product;
  providerCode: string;
  subscriberId: string;
  amount: string;
  recipient: string;
}

/** Steps that wait for the customer's input; `0` returns to the one before. */
export const INPUT_STEPS = [
  "menu",
  "provider",
  "subscriberChoice",
  "subscriber",
  "amount",
  "recipient",
  "quote",
  "quoteError",
] as const;

export type InputStep = (typeof INPUT_STEPS)[number];

const inputSteps: readonly InputStep[] = INPUT_STEPS;

export interface JourneyContext extends JourneyInput {
  history: InputStep[];
  /** Page of the current list screen (menu, providers). */
  page: number;
  /** The chosen product, by its type (a reference into `products`). */
  productType: string | null;
  providerCode: string | null;
  subscriberId: string | null;
  amount: string | null;
  recipient: string | null;
  quote: QuotedPurchase | null;
  /** Why the last input was refused, shown above the prompt; null when the last input was accepted. */
  error: Refusal | null;
  /** The quote failure shown on the quoteError screen, and whether trying again may help. */
  quoteFailure: { failure: VendorFailure; retryable: boolean } | null;
  outcome: PurchaseOutcome | null;
  lastTokens: LastTokensOutcome | null;
  /** Every input of the journey so far (trimmed), so a pay code is never one of them. */
  typed: string[];
  /** What pays the quote shown when `payByCode`: 4 digits that are none of `typed`; null otherwise. */
  payCode: string | null;
  /** The dropped journey on offer (the `resumeOffer` state); null once answered. */
  resume: DroppedJourney | null;
  language: string;
  /** The first-time language menu's options; empty once chosen (or when there is nothing to choose). */
  languageChoice: { code: string; name: string }[];
}

/** What the customer typed, and the same read as a phone number in the service's region (or null). */
interface Typed {
  text: string;
  asPhone: string | null;
}

/**
 * One customer input. `asPhone` is the input read as a phone number in the service's region (E.164 digits),
 * or null; the caller parses it so the machine needs no phone library.
 */
export type JourneyEvent = { type: "INPUT"; text: string; asPhone: string | null };

/**
 * The machine remembers every INPUT (at its root, whatever the state), then raises it as an ANSWER, which
 * the step on screen handles.
 */
type AnswerEvent = { type: "ANSWER"; text: string; asPhone: string | null };

type Ctx = { context: JourneyContext; event: JourneyEvent | AnswerEvent };

/**
 * Whether the step on screen reads the next input's `asPhone`: a phone subscriber (airtime's number) or a
 * token recipient. Elsewhere the caller may send `asPhone: null` and skip the parse (menu choices, meter
 * numbers and amounts are never read as phones).
 */
export function readsPhone(step: unknown, context: JourneyContext): boolean {
  if (step === "recipient") return true;
  return step === "subscriber" && selectedProduct(context)?.subscriberIsPhone === true;
}

const text = (event: Typed) => event.text.trim();

function chosenNumber(event: Typed): number | null {
  const t = text(event);
  return /^[1-9]\d?$/.test(t) ? Number(t) : null;
}

function selectedProduct(context: JourneyContext): Product | null {
  return context.products.find((product) => product.type === context.productType) ?? null;
}

/** The identifier as the vendor wants it, or why it is refused. */
function readSubscriber(
  context: JourneyContext,
  raw: string,
  asPhone: string | null,
): string | { refusal: Refusal } {
  const product = selectedProduct(context);
  if (!product) return { refusal: { key: "invalidChoice" } };
  return validateSubscriber(product, raw, asPhone);
}

function readAmount(context: JourneyContext, raw: string): string | { refusal: Refusal } {
  return validateAmount(raw, context);
}

const INVALID_CHOICE: Refusal = { key: "invalidChoice" };

const backTransitions = inputSteps.map((step) => ({
  guard: { type: "isBackTo" as const, params: { step } },
  target: `#purchase.${step}`,
  actions: "goBack" as const,
}));

/** `00` and `0` work at every prompt; list screens also page with `98`. */
const navigation = [
  { guard: "isHome" as const, target: "#purchase.menu", actions: "goHome" as const },
  ...backTransitions,
];

export const purchaseMachine = setup({
  types: {
    context: {} as JourneyContext,
    events: {} as JourneyEvent | AnswerEvent,
    input: {} as JourneyInput,
  },
  actors: {
    // Placeholders: the caller provides the real ones. Failing loudly beats a silent purchase-less journey.
    requestQuote: fromPromise<QuotedPurchase, QuoteRequest>(async () => {
      throw new Error("requestQuote actor not provided");
    }),
    confirmPurchase: fromPromise<PurchaseOutcome, { reference: string; sessionId: string }>(async () => {
      throw new Error("confirmPurchase actor not provided");
    }),
    resendLastTokens: fromPromise<LastTokensOutcome, { phone: string }>(async () => {
      throw new Error("resendLastTokens actor not provided");
    }),
  },
  guards: {
    isHome: ({ event }: Ctx) => text(event) === HOME,
    isBack: ({ event }: Ctx) => text(event) === BACK,
    isMore: ({ event }: Ctx) => text(event) === MORE,
    isBackTo: ({ context, event }: Ctx, params: { step: InputStep }) =>
      text(event) === BACK && context.history.at(-1) === params.step,
    choseLastTokens: ({ context, event }: Ctx) => chosenNumber(event) === context.products.length + 1,
    choseProduct: ({ context, event }: Ctx) => {
      const n = chosenNumber(event);
      return n !== null && n <= context.products.length;
    },
    choseProvider: ({ context, event }: Ctx) => {
      const n = chosenNumber(event);
      return n !== null && n <= (selectedProduct(context)?.providers.length ?? 0);
    },
    hasManyProviders: ({ context }: Ctx) => (selectedProduct(context)?.providers.length ?? 0) > 1,
    subscriberIsPhone: ({ context }: Ctx) => selectedProduct(context)?.subscriberIsPhone === true,
    issuesToken: ({ context }: Ctx) => selectedProduct(context)?.issuesToken !== false,
    validSubscriber: ({ context, event }: Ctx) =>
      typeof readSubscriber(context, text(event), event.asPhone) === "string",
    ownNumberIsValidSubscriber: ({ context }: Ctx) =>
      typeof readSubscriber(context, context.phone, context.phone) === "string",
    validAmount: ({ context, event }: Ctx) => typeof readAmount(context, text(event)) === "string",
    validPhone: ({ event }: Ctx) => event.asPhone !== null,
    isOption: ({ event }: Ctx, params: { option: string }) => text(event) === params.option,
    quoteRetryable: ({ context }: Ctx) => context.quoteFailure?.retryable === true,
    paysQuote: ({ context, event }: Ctx) =>
      context.payByCode === true
        ? context.payCode !== null && text(event) === context.payCode
        : text(event) === "1",
    paysByCode: ({ context }: Ctx) => context.payByCode === true,
    resumesAt: ({ context }: Ctx, params: { step: InputStep }) => context.resume?.step === params.step,
    choseLanguage: ({ context, event }: Ctx) => {
      const n = chosenNumber(event);
      return n !== null && n <= context.languageChoice.length;
    },
    /** The quote's last option: `3 Cancel` where `2` sends the token elsewhere, else `2 Cancel`. */
    cancelsQuote: ({ context, event }: Ctx) =>
      text(event) === (selectedProduct(context)?.issuesToken === false ? "2" : "3"),
  },
  actions: {
    remember: assign(({ context, event }) => ({ typed: [...context.typed, text(event)] })),
    /** "1 Continue": the dropped journey's choices, in this session (a pay code is worked out afresh). */
    resumeJourney: assign(({ context }) => {
      const journey = context.resume?.journey;
      if (!journey) return { resume: null };
      const typed = [...journey.typed, ...context.typed];
      const payCode = context.payByCode && journey.quote ? payCodeFor(journey.quote.reference, typed) : null;
      return { ...journey, typed, payCode, resume: null, page: 0, error: null };
    }),
    declineResume: assign(() => ({ resume: null })),
    chooseLanguage: assign(({ context, event }) => ({
      language: context.languageChoice[(chosenNumber(event) ?? 1) - 1]?.code ?? context.language,
      languageChoice: [],
      error: null,
    })),
    // A journey restarted from the menu is typed step by step, whatever was dialled.
    goHome: assign(({ context }) => ({ ...freshJourney(context), directDial: false })),
    goBack: assign(({ context }) => ({
      history: context.history.slice(0, -1),
      page: 0,
      error: null,
    })),
    /** Moving forward from a step: remember it so `0` can come back to it. */
    leave: assign(({ context }, params: { step: InputStep }) => ({
      history: [...context.history, params.step],
      page: 0,
      error: null,
    })),
    /** Back to an earlier step after the vendor refused its input, as if `0` had been pressed to get there. */
    returnTo: assign(({ context, event }, params: { step: InputStep }) => ({
      history: historyBefore(context, params.step),
      page: 0,
      error: {
        key: "vendor" as const,
        failure: describeFailure((event as unknown as { error: unknown }).error).failure,
      },
    })),
    /** The customer chose to change one input after the vendor refused the quote. */
    revisit: assign(({ context }, params: { step: InputStep }) => ({
      history: historyBefore(context, params.step),
      page: 0,
      error: null,
    })),
    nextPage: assign(({ context }) => ({ page: context.page + 1, error: null })),
    previousPage: assign(({ context }) => ({ page: Math.max(0, context.page - 1), error: null })),
    refuse: assign((_, params: { error: Refusal }) => ({ error: params.error })),
    chooseProduct: assign(({ context, event }) => {
      const product = context.products[(chosenNumber(event) ?? 1) - 1];
      const onlyProvider = product?.providers.length === 1 ? (product.providers[0]?.code ?? null) : null;
      return {
        productType: product?.type ?? null,
        providerCode: onlyProvider,
        subscriberId: null,
        amount: null,
        recipient: null,
        quote: null,
      };
    }),
    chooseProvider: assign(({ context, event }) => ({
      providerCode: selectedProduct(context)?.providers[(chosenNumber(event) ?? 1) - 1]?.code ?? null,
    })),
    setSubscriber: assign(({ context, event }) => ({
      subscriberId: readSubscriber(context, text(event), event.asPhone) as string,
    })),
    setOwnNumberAsSubscriber: assign(({ context }) => ({
      subscriberId: readSubscriber(context, context.phone, context.phone) as string,
    })),
    refuseSubscriber: assign(({ context, event }) => {
      const result = readSubscriber(context, text(event), event.asPhone);
      return { error: typeof result === "string" ? null : result.refusal };
    }),
    setAmount: assign(({ context, event }) => ({ amount: readAmount(context, text(event)) as string })),
    refuseAmount: assign(({ context, event }) => {
      const result = readAmount(context, text(event));
      return { error: typeof result === "string" ? null : result.refusal };
    }),
    setRecipientToOwnPhone: assign(({ context }) => ({ recipient: context.phone })),
    setRecipient: assign(({ event }) => ({ recipient: event.asPhone })),
    // A product without a token still has a beneficiary phone: the buyer's (airtime: the topped-up number
    // is the subscriber, the receipt goes to the buyer).
    setRecipientForTokenlessProduct: assign(({ context }) => ({ recipient: context.phone })),
  },
}).createMachine({
  id: "purchase",
  context: ({ input }) => ({
    ...input,
    ...emptyJourney(),
    typed: [],
    resume: input.resume ?? null,
    language: input.language ?? "en",
    languageChoice: input.languageChoice ?? [],
  }),
  initial: "start",
  on: {
    INPUT: {
      actions: [
        "remember",
        raise(({ event }) => ({ type: "ANSWER" as const, text: event.text, asPhone: event.asPhone })),
      ],
    },
  },
  states: {
    start: {
      always: [
        { guard: ({ context }) => context.languageChoice.length > 0, target: "language" },
        { guard: ({ context }) => context.resume !== null, target: "resumeOffer" },
        { target: "menu" },
      ],
    },
    /** Once per phone, when several languages are offered: the rest of the journey is in the chosen one. */
    language: {
      on: {
        ANSWER: [
          { guard: "choseLanguage", target: "start", actions: "chooseLanguage" },
          { actions: { type: "refuse", params: { error: INVALID_CHOICE } } },
        ],
      },
    },
    resumeOffer: {
      on: {
        ANSWER: [
          ...inputSteps.map((step) => ({
            guard: and([
              { type: "isOption", params: { option: "1" } },
              { type: "resumesAt", params: { step } },
            ]),
            target: `#purchase.${step}`,
            actions: "resumeJourney" as const,
          })),
          { guard: { type: "isOption", params: { option: "2" } }, target: "menu", actions: "declineResume" },
          { actions: { type: "refuse", params: { error: INVALID_CHOICE } } },
        ],
      },
    },
    menu: {
      on: {
        ANSWER: [
          { guard: "isHome", actions: "goHome" },
          { guard: "isBack", actions: "previousPage" },
          { guard: "isMore", actions: "nextPage" },
          { guard: "choseLastTokens", target: "lastTokens" },
          {
            guard: "choseProduct",
            target: "afterProduct",
            actions: ["chooseProduct", { type: "leave", params: { step: "menu" } }],
          },
          { actions: { type: "refuse", params: { error: INVALID_CHOICE } } },
        ],
      },
    },
    afterProduct: {
      always: [
        { guard: "hasManyProviders", target: "provider" },
        { guard: "subscriberIsPhone", target: "subscriberChoice" },
        { target: "subscriber" },
      ],
    },
    provider: {
      on: {
        ANSWER: [
          ...navigation,
          { guard: "isMore", actions: "nextPage" },
          {
            guard: "choseProvider",
            target: "afterProvider",
            actions: ["chooseProvider", { type: "leave", params: { step: "provider" } }],
          },
          { actions: { type: "refuse", params: { error: INVALID_CHOICE } } },
        ],
      },
    },
    afterProvider: {
      always: [{ guard: "subscriberIsPhone", target: "subscriberChoice" }, { target: "subscriber" }],
    },
    subscriberChoice: {
      on: {
        ANSWER: [
          ...navigation,
          {
            guard: and([{ type: "isOption", params: { option: "1" } }, "ownNumberIsValidSubscriber"]),
            target: "amount",
            actions: ["setOwnNumberAsSubscriber", { type: "leave", params: { step: "subscriberChoice" } }],
          },
          {
            guard: { type: "isOption", params: { option: "1" } },
            actions: { type: "refuse", params: { error: { key: "ownNumberNotUsable" } } },
          },
          {
            guard: { type: "isOption", params: { option: "2" } },
            target: "subscriber",
            actions: { type: "leave", params: { step: "subscriberChoice" } },
          },
          { actions: { type: "refuse", params: { error: INVALID_CHOICE } } },
        ],
      },
    },
    subscriber: {
      on: {
        ANSWER: [
          ...navigation,
          {
            guard: "validSubscriber",
            target: "amount",
            actions: ["setSubscriber", { type: "leave", params: { step: "subscriber" } }],
          },
          { actions: "refuseSubscriber" },
        ],
      },
    },
    amount: {
      on: {
        ANSWER: [
          ...navigation,
          {
            guard: "validAmount",
            target: "afterAmount",
            actions: ["setAmount", { type: "leave", params: { step: "amount" } }],
          },
          { actions: "refuseAmount" },
        ],
      },
    },
    afterAmount: {
      // The token goes to the buyer's phone unless they choose otherwise on the quote.
      always: [
        { guard: "issuesToken", target: "quoting", actions: "setRecipientToOwnPhone" },
        { target: "quoting", actions: "setRecipientForTokenlessProduct" },
      ],
    },
    recipient: {
      on: {
        ANSWER: [
          ...navigation,
          {
            // A new recipient is a new quote: the vendor is told who receives the token.
            guard: "validPhone",
            target: "quoting",
            actions: ["setRecipient", { type: "leave", params: { step: "recipient" } }],
          },
          { actions: { type: "refuse", params: { error: { key: "invalidPhone" } } } },
        ],
      },
    },
    quoting: {
      tags: ["busy"],
      invoke: {
        id: "quote",
        src: "requestQuote",
        input: ({ context }) => ({
          sessionId: context.sessionId,
          phone: context.phone,
          product: selectedProduct(context) as Product,
          providerCode: context.providerCode ?? "",
          subscriberId: context.subscriberId ?? "",
          amount: context.amount ?? "",
          recipient: context.recipient ?? context.phone,
        }),
        onDone: {
          target: "quote",
          actions: assign(({ context, event }) => ({
            quote: event.output,
            payCode: context.payByCode ? payCodeFor(event.output.reference, context.typed) : null,
            quoteFailure: null,
            error: null,
          })),
        },
        onError: [
          // The vendor refused one input (e.g. below its minimum amount): re-ask just that, with its reason.
          {
            guard: ({ event }) => refusedInput(event.error) === "amount",
            target: "amount",
            actions: { type: "returnTo", params: { step: "amount" } },
          },
          {
            guard: ({ event }) => refusedInput(event.error) === "subscriber",
            target: "subscriber",
            actions: { type: "returnTo", params: { step: "subscriber" } },
          },
          {
            target: "quoteError",
            actions: assign(({ event }) => ({ quoteFailure: describeFailure(event.error), error: null })),
          },
        ],
      },
    },
    quote: {
      on: {
        ANSWER: [
          ...navigation,
          { guard: "paysQuote", target: "confirming" },
          { guard: "cancelsQuote", target: "cancelled" },
          {
            guard: and(["issuesToken", { type: "isOption", params: { option: "2" } }]),
            target: "recipient",
            actions: { type: "leave", params: { step: "quote" } },
          },
          // Paying by code, any other input may be the aggregator retrying an old callback: it changes
          // nothing, not even the screen (which already says what pays).
          { guard: "paysByCode" },
          { actions: { type: "refuse", params: { error: INVALID_CHOICE } } },
        ],
      },
    },
    quoteError: {
      on: {
        ANSWER: [
          ...navigation,
          {
            guard: and([{ type: "isOption", params: { option: "1" } }, "quoteRetryable"]),
            target: "quoting",
          },
          // The vendor refused the quote without saying which input (its documents give no codes to tell a
          // meter from an amount problem): the customer picks what to change.
          {
            guard: and([{ type: "isOption", params: { option: "1" } }, not("quoteRetryable")]),
            target: "subscriber",
            actions: { type: "revisit", params: { step: "subscriber" } },
          },
          {
            guard: and([{ type: "isOption", params: { option: "2" } }, not("quoteRetryable")]),
            target: "amount",
            actions: { type: "revisit", params: { step: "amount" } },
          },
          { actions: { type: "refuse", params: { error: INVALID_CHOICE } } },
        ],
      },
    },
    confirming: {
      tags: ["busy"],
      invoke: {
        id: "confirm",
        src: "confirmPurchase",
        input: ({ context }) => ({ reference: context.quote?.reference ?? "", sessionId: context.sessionId }),
        onDone: { target: "done", actions: assign(({ event }) => ({ outcome: event.output })) },
        // The purchase service only throws before the buy was sent, so nothing was charged.
        onError: {
          target: "done",
          actions: assign(() => ({ outcome: { status: "NOT_SENT" as const } })),
        },
      },
    },
    lastTokens: {
      tags: ["busy"],
      invoke: {
        id: "lastTokens",
        src: "resendLastTokens",
        input: ({ context }) => ({ phone: context.phone }),
        onDone: { target: "lastTokensDone", actions: assign(({ event }) => ({ lastTokens: event.output })) },
        onError: { target: "lastTokensDone", actions: assign(() => ({ lastTokens: null })) },
      },
    },
    lastTokensDone: { type: "final" },
    done: { type: "final" },
    cancelled: { type: "final" },
  },
});

function emptyJourney() {
  return {
    history: [] as InputStep[],
    page: 0,
    productType: null,
    providerCode: null,
    subscriberId: null,
    amount: null,
    recipient: null,
    quote: null,
    error: null,
    quoteFailure: null,
    outcome: null,
    lastTokens: null,
    payCode: null,
  };
}

function freshJourney(context: JourneyContext): JourneyContext {
  return { ...context, ...emptyJourney() };
}

/** The history as it was when `step` was first shown (an airtime "my number" goes back to its choice). */
function historyBefore(context: JourneyContext, step: InputStep): InputStep[] {
  const at = context.history.lastIndexOf(step);
  const choice = context.history.lastIndexOf("subscriberChoice");
  if (at >= 0) return context.history.slice(0, at);
  return choice >= 0 ? context.history.slice(0, choice + 1) : context.history;
}

function refusedInput(error: unknown): string | undefined {
  const value = (error as { refusedInput?: unknown } | null)?.refusedInput;
  return typeof value === "string" ? value : undefined;
}

/** Errors from the quote actor carry a vendor failure and whether trying again may help. */
function describeFailure(error: unknown): { failure: VendorFailure; retryable: boolean } {
  const e = error as { failure?: VendorFailure; kind?: unknown } | null;
  const failure: VendorFailure = typeof e?.failure?.cause === "string" ? e.failure : { cause: "timeout" };
  return { failure, retryable: e?.kind !== "rejected" };
}

export type PurchaseMachine = typeof purchaseMachine;
