// One USSD callback: (under the session's lock) restore the snapshot → apply the new inputs → render →
// store. A snapshot is only ever stored when the machine is settled (waiting for input or finished), so a
// restored session never re-runs an in-flight call; the purchase service owns the money call.
import {
  type AnyActorRef,
  createActor,
  fromPromise,
  type Snapshot,
  type SnapshotFrom,
  waitFor,
} from "xstate";
import { type Catalogue, en } from "../../machines/copy/en.js";
import {
  type DroppedJourney,
  droppedJourney,
  type JourneyContext,
  PURCHASE_MACHINE_VERSION,
  purchaseMachine,
  type QuoteRequest,
  readsPhone,
} from "../../machines/purchase/machine.js";
import type { Product, PurchaseOutcome } from "../../machines/purchase/rules.js";
import type { Logger } from "../log.js";
import type { PurchaseService } from "../purchases/purchases.js";
import type { KeyValueStore } from "../store/store.js";
import { renderScreen } from "./render.js";
import type { UssdInput, UssdReply, UssdRequest } from "./types.js";

export interface UssdSettings {
  /** Reads local numbers typed by customers, e.g. `BW`. */
  toPhone: (text: string) => string | null;
  /** New sessions one phone may start per minute (`USSD_NEW_SESSIONS_PER_MINUTE`). */
  newSessionsPerMinute: number;
  /**
   * Aggregators that send only the newest input and no hop counter: the same input again within this
   * window is taken for their retry of a callback whose reply was lost, not for the customer typing it
   * again (`USSD_REPEAT_WINDOW_MS`). A retry applied twice could answer a screen the customer never saw.
   */
  repeatWindowMs: number;
  currency: string;
  minAmount: string;
  maxAmount: string;
  sessionTtlSeconds: number;
  /** Vendor channel for purchases made over USSD. */
  sourceChannel: string;
  /** The reply must leave before this (the aggregator's deadline minus a margin). */
  replyBudgetMs: number;
  screenLimit: number;
  /** Languages offered (`LANGUAGES`): with more than one, a phone chooses once, on its first dial. */
  languages: string[];
  catalogues: Readonly<Record<string, Catalogue>>;
}

/** What is stored per session, beside the snapshot. */
interface SessionRecord {
  version: number;
  snapshot: Snapshot<unknown>;
  /** The inputs this snapshot has consumed, to find what a callback adds and to spot duplicates. */
  inputs: string[];
  /** The dialling phone (some aggregators send it on the first callback only). */
  phone: string;
  /** When this record was written (epoch ms), and the aggregator's hop counter if it sends one. */
  at: number;
  hop?: number;
  /** Stopped mid-journey: the phone's resume pointer names this session. */
  resumable?: boolean;
}

const RESUME_SECONDS = 300;
/** A phone's chosen language is kept a year from its last choice. */
const LANGUAGE_SECONDS = 365 * 86_400;

type LanguageStart = { language: string; languageChoice?: { code: string; name: string }[] };

const expiredReply: UssdReply = { text: en.session.expired, end: true };
const tooManySessionsReply: UssdReply = { text: en.session.tooMany, end: true };
const busyReply: UssdReply = { text: en.session.busy, end: true };

export class UssdSessions {
  private readonly machine;

  constructor(
    private readonly store: KeyValueStore,
    private readonly purchases: PurchaseService,
    private readonly catalogue: () => Promise<Product[]>,
    private readonly settings: UssdSettings,
    private readonly logger: Logger,
  ) {
    this.machine = purchaseMachine.provide({
      actors: {
        requestQuote: fromPromise(({ input }: { input: QuoteRequest }) =>
          this.purchases.quote({
            channel: "USSD",
            sessionId: input.sessionId,
            phone: input.phone,
            recipient: input.recipient,
            product: input.product,
            providerCode: input.providerCode,
            subscriberId: input.subscriberId,
            amount: input.amount,
            sourceChannel: this.settings.sourceChannel,
          }),
        ),
        confirmPurchase: fromPromise(
          ({ input }: { input: { reference: string; sessionId: string } }): Promise<PurchaseOutcome> =>
            this.purchases.confirm(input.reference, input.sessionId),
        ),
        resendLastTokens: fromPromise(({ input }: { input: { phone: string } }) =>
          this.purchases.resendLastTokens(input.phone),
        ),
      },
    });
  }

  /**
   * One callback → one screen. `screenLimit` is the aggregator's (GSM-7 characters). Never stores a snapshot
   * with a call in flight: a reply deadline that passes mid-call answers without storing.
   */
  async handle(request: UssdRequest, screenLimit = this.settings.screenLimit): Promise<UssdReply> {
    const key = `session:${request.sessionId}`;
    // Set once this callback may have sent a buy: a store failure after that (writing the session back)
    // must not tell the customer "unavailable", since money may have moved: they get the screen the
    // journey reached ("being processed", or the sale), and the ledger has the purchase.
    let afterBuy: UssdReply | undefined;
    try {
      return await this.withSession(key, request, screenLimit, (reply) => {
        afterBuy = reply;
      });
    } catch (error) {
      if (!afterBuy) throw error;
      this.logger.error({ session: request.sessionId, err: String(error) }, "session not stored after a buy");
      return afterBuy;
    }
  }

  private withSession(
    key: string,
    request: UssdRequest,
    screenLimit: number,
    bought: (reply: UssdReply) => void,
  ): Promise<UssdReply> {
    return this.store.withLockedValue<SessionRecord, UssdReply>(key, async (record) => {
      let usable = record?.version === PURCHASE_MACHINE_VERSION ? record : null;
      const phone = request.phone || usable?.phone || "";
      if (!phone) return { result: expiredReply };
      const input = request.input;

      // A callback the session has already answered (an aggregator retry, on time or late) gets the
      // current screen and changes nothing: no input applied, no vendor call.
      if (usable && isOldHop(usable, request, this.settings.repeatWindowMs)) {
        return { result: await this.replyOf(usable, request, screenLimit) };
      }

      // Where the session's inputs stand now: Africa's Talking sends them all, others only the newest.
      let inputs: string[];
      let directDial = false;
      if (input.kind === "path") {
        inputs = input.inputs;
      } else if (input.isNew) {
        inputs = input.dialled ?? [];
        directDial = inputs.length > 0;
        // Not a retry (see isOldHop): a new dial on an id the aggregator reuses for every dial of one phone.
        usable = null;
      } else {
        // Without the stored session there is nothing to add the newest input to.
        if (!usable) return { result: expiredReply };
        inputs = [...usable.inputs, input.text];
      }
      // A session that has ended takes no more input.
      if (usable && hasEnded(usable)) return { result: await this.replyOf(usable, request, screenLimit) };

      const previous = usable !== null && startsWith(inputs, usable.inputs) ? usable : null;
      const pending = previous ? inputs.slice(previous.inputs.length) : inputs;
      let resume: DroppedJourney | null = null;
      let language: LanguageStart = { language: this.settings.languages[0] ?? "en" };
      if (!previous) {
        if (inputs.length > 0 && input.kind === "path") {
          this.logger.info(
            { session: request.sessionId, inputs: inputs.length },
            "rebuilding session by replay",
          );
          language = await this.languageOf(phone);
        } else {
          // A new session: limit how often one phone may start them; a dropped journey is offered first.
          // The three reads are independent, so they travel to the store together (one round trip).
          const [started, dropped, chosen] = await Promise.all([
            this.store.increment(`ussd:new:${phone}`, 60),
            inputs.length === 0 ? this.droppedJourneyOf(phone, request.sessionId) : null,
            this.languageOf(phone),
          ]);
          if (started > this.settings.newSessionsPerMinute) return { result: tooManySessionsReply };
          resume = dropped;
          language = chosen;
        }
      }

      const products = await this.catalogue();
      const actor = previous
        ? this.restore(previous, request, products)
        : createActor(this.machine, {
            input: { ...this.journeyInput(request, phone, directDial, products, resume), ...language },
          });
      actor.start();
      try {
        const deadline = Date.now() + this.settings.replyBudgetMs;
        for (const text of pending) {
          // Read as a phone only where the step on screen wants one (the parse is dear, and throws inside).
          const onScreen = actor.getSnapshot();
          const asPhone = readsPhone(onScreen.value, onScreen.context) ? this.settings.toPhone(text) : null;
          actor.send({ type: "INPUT", text, asPhone });
          const settled = await settle(actor, deadline);
          if (!settled) return { result: this.render(actor.getSnapshot(), screenLimit) };
          const now = actor.getSnapshot();
          if (now.status === "done") break;
          // A dialled part that is refused lands on its own prompt with the error; the rest is dropped.
          if (directDial && now.context.error) break;
        }
        const current = actor.getSnapshot();
        const reply = this.render(current, screenLimit);
        if (mayHaveBought(current)) bought(reply);
        const resumable = isResumable(current);
        const stored: SessionRecord = {
          version: PURCHASE_MACHINE_VERSION,
          snapshot: forStorage(actor.getPersistedSnapshot()),
          inputs,
          phone,
          at: Date.now(),
          ...hopOf(input),
          ...(resumable ? { resumable } : {}),
        };
        await this.pointResume(phone, request.sessionId, previous, current);
        // The first-time language menu answered: remembered for this phone's next dials (and SMS).
        if (stateOf(previous) === "language" && current.value !== "language") {
          await this.store.set(languageKey(phone), current.context.language, LANGUAGE_SECONDS);
        }
        // A resumable session outlives its idle time long enough to be offered to the next dial.
        const ttlSeconds = resumable ? Math.max(this.ttl, RESUME_SECONDS) : this.ttl;
        return { result: reply, store: { value: stored, ttlSeconds } };
      } finally {
        actor.stop();
      }
    });
  }

  /**
   * The phone's resume pointer names the session it may continue. It changes only when a session starts or
   * stops being resumable, or answers the offer of another (a write per callback would cost every hop).
   */
  private async pointResume(
    phone: string,
    sessionId: string,
    previous: SessionRecord | null,
    current: JourneySnapshot,
  ): Promise<void> {
    const resumable = isResumable(current);
    const wasOffering = stateOf(previous) === "resumeOffer";
    const answeredOffer = wasOffering && current.value !== "resumeOffer";
    if (resumable && (previous?.resumable !== true || answeredOffer)) {
      await this.store.set(resumeKey(phone), sessionId, RESUME_SECONDS);
    } else if (!resumable && (previous?.resumable === true || answeredOffer)) {
      await this.store.delete(resumeKey(phone));
    }
  }

  /** The aggregator says a session is over (released, timed out, failed): note it for the operator. */
  async ended(sessionId: string, reason: string): Promise<void> {
    const record = await this.store.get<SessionRecord>(`session:${sessionId}`);
    this.logger.info(
      { session: sessionId, reason, lastScreenEnded: record ? hasEnded(record) : null },
      record && hasEnded(record) ? "USSD session ended" : "USSD session dropped before its end",
    );
  }

  private get ttl(): number {
    return this.settings.sessionTtlSeconds;
  }

  /** The phone's language, or the first-time choice when it has none and several are offered. */
  private async languageOf(phone: string): Promise<LanguageStart> {
    const { languages, catalogues } = this.settings;
    const chosen = languages.length > 1 ? await this.store.get<string>(languageKey(phone)) : null;
    if (chosen && languages.includes(chosen)) return { language: chosen };
    const first = languages[0] ?? "en";
    if (languages.length < 2) return { language: first };
    const languageChoice = languages.map((code) => ({ code, name: catalogues[code]?.languageName ?? code }));
    return { language: first, languageChoice };
  }

  /** The screen in the journey's language. */
  private render(snapshot: JourneySnapshot, screenLimit: number): UssdReply {
    const words = this.settings.catalogues[snapshot.context.language] ?? en;
    return renderScreen(snapshot, screenLimit, words);
  }

  /** The journey this phone dropped mid-way, if any (not this session's). */
  private async droppedJourneyOf(phone: string, sessionId: string): Promise<DroppedJourney | null> {
    const dropped = await this.store.get<string>(resumeKey(phone));
    if (!dropped || dropped === sessionId) return null;
    const record = await this.store.get<SessionRecord>(`session:${dropped}`);
    if (record?.version !== PURCHASE_MACHINE_VERSION || !record.resumable) return null;
    const snapshot = record.snapshot as { value?: unknown; context?: Partial<JourneyContext> };
    return droppedJourney(String(snapshot.value), snapshot.context ?? {});
  }

  /**
   * The screen a stored session shows (for a repeated or late callback, or one after its end): rendered
   * again rather than stored, which keeps the session record small.
   */
  private async replyOf(
    record: SessionRecord,
    request: UssdRequest,
    screenLimit: number,
  ): Promise<UssdReply> {
    const actor = this.restore(record, request, await this.catalogue());
    return this.render(actor.getSnapshot(), screenLimit);
  }

  /**
   * The stored snapshot with what storage leaves out put back: the catalogue as it is now (snapshots keep
   * only references into it), the session id, the phone and the amount limits.
   */
  private restore(record: SessionRecord, request: UssdRequest, products: Product[]) {
    const { currency, minAmount, maxAmount } = this.settings;
    const settings = {
      products,
      sessionId: request.sessionId,
      phone: record.phone,
      currency,
      minAmount,
      maxAmount,
    };
    // `input` is ignored when a snapshot is given, but the types still want it (xstate#4915).
    return createActor(this.machine, {
      snapshot: withContext(record.snapshot, settings),
      input: {
        sessionId: request.sessionId,
        phone: request.phone,
        products: [],
        minAmount: "",
        maxAmount: "",
        currency: "",
      },
    });
  }

  private journeyInput(
    request: UssdRequest,
    phone: string,
    directDial: boolean,
    products: Product[],
    resume: DroppedJourney | null,
  ) {
    return {
      resume,
      sessionId: request.sessionId,
      phone,
      directDial,
      // Without a path or a hop counter, an old callback retried late looks like new input: pay by code.
      payByCode: request.input.kind === "latest" && request.input.hop === undefined,
      products,
      minAmount: this.settings.minAmount,
      maxAmount: this.settings.maxAmount,
      currency: this.settings.currency,
    };
  }

  /** The reply for a callback that could not be handled (store or vendor catalogue down). */
  static get busyReply(): UssdReply {
    return busyReply;
  }
}

/** Waits until the machine waits for input or has finished; false when the reply deadline came first. */
async function settle(actor: AnyActorRef, deadline: number): Promise<boolean> {
  try {
    await waitFor(actor, (s) => !s.hasTag("busy"), { timeout: Math.max(1, deadline - Date.now()) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a callback repeats one the session has already answered: the aggregator retrying it, at once or
 * late, after the session moved on. Where the aggregator tells its hops apart this is certain; where it
 * sends only the newest input, only the same input again within the repeat window is taken for a retry
 * (anything else is applied, and the quote is paid by a code that no repeated input can be).
 */
function isOldHop(record: SessionRecord, request: UssdRequest, windowMs: number): boolean {
  const input = request.input;
  // Africa's Talking's path only grows: one that does not extend the stored path is old.
  if (input.kind === "path") {
    return sameInputs(input.inputs, record.inputs) || !startsWith(input.inputs, record.inputs);
  }
  // A hop counter (Hubtel's Sequence) says it outright.
  if (input.hop !== undefined && record.hop !== undefined) return input.hop <= record.hop;
  const recent = Date.now() - record.at < windowMs;
  // A first hop on an id we hold is that session's first callback again, unless the aggregator reuses the
  // id for every dial of one phone: then only a quick repeat of it is a retry, and otherwise a new dial.
  if (input.isNew) {
    return request.sessionIdReused === true ? recent && sameInputs(record.inputs, input.dialled ?? []) : true;
  }
  return recent && record.inputs.at(-1) === input.text;
}

function hopOf(input: UssdInput): { hop?: number } {
  return input.kind === "latest" && input.hop !== undefined ? { hop: input.hop } : {};
}

type JourneySnapshot = SnapshotFrom<typeof purchaseMachine>;

/** The journey confirmed a purchase (or is confirming it): the vendor may have sold. */
function mayHaveBought(snapshot: JourneySnapshot): boolean {
  const outcome = snapshot.context.outcome;
  return snapshot.value === "confirming" || (snapshot.value === "done" && outcome?.status !== "NOT_SENT");
}

/** Stopped mid-journey, with a product chosen, and not buying: worth offering to continue. */
function isResumable(snapshot: JourneySnapshot): boolean {
  return snapshot.status === "active" && snapshot.context.productType !== null && !snapshot.hasTag("busy");
}

function languageKey(phone: string): string {
  return `lang:${phone}`;
}

/** The state a stored session was left in. */
function stateOf(record: SessionRecord | null | undefined): unknown {
  return (record?.snapshot as { value?: unknown } | undefined)?.value;
}

function resumeKey(phone: string): string {
  return `resume:${phone}`;
}

/** What storage leaves out of a snapshot's context: the session code puts it back on restore. */
const RESTORED_FIELDS = ["products", "sessionId", "phone", "currency", "minAmount", "maxAmount"] as const;

/**
 * The snapshot as stored: without the catalogue (the journey keeps references, `productType` and
 * `providerCode`: the catalogue is large and it changes) and without what the session record or the
 * settings already hold, so a live session stays small in Redis.
 */
function forStorage(snapshot: Snapshot<unknown>): Snapshot<unknown> {
  const held = snapshot as unknown as { context?: Record<string, unknown> };
  if (!held.context) return snapshot;
  const context = { ...held.context };
  for (const field of RESTORED_FIELDS) delete context[field];
  return { ...held, context } as unknown as Snapshot<unknown>;
}

function withContext(snapshot: Snapshot<unknown>, fields: Partial<JourneyContext>): Snapshot<unknown> {
  const stored = snapshot as unknown as { context?: Partial<JourneyContext> };
  if (!stored.context) return snapshot;
  return { ...stored, context: { ...stored.context, ...fields } } as unknown as Snapshot<unknown>;
}

/** A finished journey: its last screen ended the session. */
function hasEnded(record: SessionRecord): boolean {
  return (record.snapshot as { status?: unknown }).status === "done";
}

function sameInputs(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function startsWith(inputs: string[], prefix: string[]): boolean {
  return prefix.length <= inputs.length && prefix.every((x, i) => x === inputs[i]);
}
