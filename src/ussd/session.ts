// One USSD callback: (under the session's lock) restore the snapshot → apply the new inputs → render →
// store. A snapshot is only ever stored when the machine is settled (waiting for input or finished), so a
// restored session never re-runs an in-flight call; the purchase service owns the money call.
import { type AnyActorRef, createActor, fromPromise, type Snapshot, waitFor } from "xstate";
import {
  type JourneyProduct,
  PURCHASE_MACHINE_VERSION,
  type PurchaseOutcome,
  purchaseMachine,
  type QuoteRequest,
} from "../../machines/purchase.machine.js";
import type { Logger } from "../log.js";
import type { PurchaseService } from "../purchases/purchases.js";
import type { KeyValueStore } from "../store/store.js";
import type { Product } from "../vending/vendor.js";
import { renderScreen } from "./render.js";
import type { UssdReply, UssdRequest } from "./types.js";

export interface UssdSettings {
  /** Reads local numbers typed by customers, e.g. `BW`. */
  toPhone: (text: string) => string | null;
  currency: string;
  minAmount: string;
  maxAmount: string;
  sessionTtlSeconds: number;
  /** Vendor channel for purchases made over USSD. */
  sourceChannel: string;
  /** The reply must leave before this (the aggregator's deadline minus a margin). */
  replyBudgetMs: number;
  screenLimit: number;
}

/** What is stored per session, beside the snapshot. */
interface SessionRecord {
  version: number;
  snapshot: Snapshot<unknown>;
  /** The inputs this snapshot has consumed, to find what a callback adds and to spot duplicates. */
  inputs: string[];
  reply: UssdReply;
}

const busyReply: UssdReply = {
  text: "Sorry, the service is briefly unavailable. Please dial again in a few minutes.",
  end: true,
};

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

  async handle(request: UssdRequest): Promise<UssdReply> {
    const key = `session:${request.sessionId}`;
    return this.store.withLock(key, async () => {
      const record = await this.store.get<SessionRecord>(key);
      const usable = record?.version === PURCHASE_MACHINE_VERSION ? record : null;

      // An aggregator retry (same inputs) gets the same answer and causes no vendor call.
      if (usable && sameInputs(usable.inputs, request.inputs)) return usable.reply;
      if (usable?.reply.end) return usable.reply;

      const resumes = usable !== null && startsWith(request.inputs, usable.inputs);
      const pending = resumes ? request.inputs.slice(usable.inputs.length) : request.inputs;
      if (!resumes && request.inputs.length > 0) {
        this.logger.info(
          { session: request.sessionId, inputs: request.inputs.length },
          "rebuilding session by replay",
        );
      }

      const actor = resumes
        ? this.restore(usable.snapshot, request)
        : createActor(this.machine, { input: await this.journeyInput(request) });
      actor.start();
      try {
        const deadline = Date.now() + this.settings.replyBudgetMs;
        for (const text of pending) {
          actor.send({ type: "INPUT", text, asPhone: this.settings.toPhone(text) });
          const settled = await settle(actor, deadline);
          if (!settled) return renderScreen(actor.getSnapshot(), this.settings.screenLimit);
          if (actor.getSnapshot().status === "done") break;
        }
        const reply = renderScreen(actor.getSnapshot(), this.settings.screenLimit);
        const stored: SessionRecord = {
          version: PURCHASE_MACHINE_VERSION,
          snapshot: actor.getPersistedSnapshot(),
          inputs: request.inputs,
          reply,
        };
        await this.store.set(key, stored, this.settings.sessionTtlSeconds);
        return reply;
      } finally {
        actor.stop();
      }
    });
  }

  private restore(snapshot: Snapshot<unknown>, request: UssdRequest) {
    // `input` is ignored when a snapshot is given, but the types still want it (xstate#4915).
    return createActor(this.machine, {
      snapshot,
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

  private async journeyInput(request: UssdRequest) {
    const products: JourneyProduct[] = await this.catalogue();
    return {
      sessionId: request.sessionId,
      phone: request.phone,
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

function sameInputs(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function startsWith(inputs: string[], prefix: string[]): boolean {
  return prefix.length <= inputs.length && prefix.every((x, i) => x === inputs[i]);
}
