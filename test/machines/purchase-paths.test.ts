// Path coverage of the purchase machine: @xstate/graph walks the machine's own transition function from the
// first screen over every customer input and every outcome of the quote, confirm and "last tokens" calls,
// to each reachable state. Every walk (a shortest path to a state, then each event from there) is replayed
// on a real actor whose caller-provided actors are stubs resolving or rejecting as the walk says; the
// replays must end where the graph says, take every transition of the machine's config, visit every state,
// and never reach `confirming` without the quote on screen first.
import assert from "node:assert/strict";
import { getAdjacencyMap, getShortestPaths, getStateNodes } from "@xstate/graph";
import {
  type AnyStateNode,
  createActor,
  type EventObject,
  fromPromise,
  type SnapshotFrom,
  waitFor,
} from "xstate";
import {
  type DroppedJourney,
  INPUT_STEPS,
  type InputStep,
  type JourneyInput,
  purchaseMachine,
  type QuoteRequest,
} from "../../machines/purchase/machine.js";
import type {
  LastTokensOutcome,
  Product,
  PurchaseOutcome,
  QuotedPurchase,
} from "../../machines/purchase/rules.js";
import { airtime, electricity } from "./products.js";

type Snapshot = SnapshotFrom<typeof purchaseMachine>;

// One provider and a phone subscriber: straight from the product to "my number or another".
const data: Product = { ...airtime, type: "DATA", name: "Data", providers: [{ code: "D", name: "Net D" }] };

// Several providers and a meter: from the provider straight to the meter.
const water: Product = {
  ...electricity,
  type: "WATER",
  name: "Water",
  providers: [
    { code: "W1", name: "Water Co" },
    { code: "W2", name: "Other Water" },
  ],
};

const METER = "04040404040";
const OTHER_PHONE = "26771000002";

/** What the customer may type: navigation, options, good and bad subscribers, amounts and phones. */
const TYPED = ["00", "0", "98", "1", "2", "3", "4", "5", "6", METER, "123", "50", "100000", OTHER_PHONE, "x"];

const quoted: QuotedPurchase = {
  reference: "REF1",
  amount: "50.00",
  charge: "1.00",
  total: "51.00",
  currency: "BWP",
};
const paid: PurchaseOutcome = {
  status: "SUCCESSFUL",
  reference: "REF1",
  tokenCount: 1,
  tokens: [{ token: "1111" }],
};
const lastTokens: LastTokensOutcome = { found: true, reference: "REF0" };
// The quote's failures as the purchase service throws them: one input refused, refused outright, no answer.
const quoteFailures = [
  { kind: "rejected", refusedInput: "amount", failure: { cause: "rejected", vendorReason: "Below minimum" } },
  {
    kind: "rejected",
    refusedInput: "subscriber",
    failure: { cause: "rejected", vendorReason: "No such meter" },
  },
  { kind: "rejected", failure: { cause: "rejected", vendorReason: "Refused" } },
  { kind: "timeout", failure: { cause: "timeout" } },
];

type ActorEvent = EventObject & { output?: unknown; error?: unknown };

/** What the actor running in a busy state may answer: the events its invoke turns into. */
function actorEvents(snapshot: Snapshot): EventObject[] {
  if (snapshot.matches("quoting"))
    return [
      { type: "xstate.done.actor.quote", output: quoted },
      ...quoteFailures.map((error) => ({ type: "xstate.error.actor.quote", error })),
    ] as ActorEvent[];
  if (snapshot.matches("confirming"))
    return [
      { type: "xstate.done.actor.confirm", output: paid },
      { type: "xstate.error.actor.confirm", error: new Error("not sent") },
    ] as ActorEvent[];
  if (snapshot.matches("lastTokens"))
    return [
      { type: "xstate.done.actor.lastTokens", output: lastTokens },
      { type: "xstate.error.actor.lastTokens", error: new Error("store down") },
    ] as ActorEvent[];
  return [];
}

function events(snapshot: Snapshot): EventObject[] {
  if (snapshot.status !== "active") return [];
  // The session code sends input only to a settled machine.
  if (snapshot.hasTag("busy")) return actorEvents(snapshot);
  const texts = snapshot.context.payCode ? [...TYPED, snapshot.context.payCode] : TYPED;
  return texts.map((text) => ({ type: "INPUT", text, asPhone: /^\d{11}$/.test(text) ? text : null }));
}

/**
 * A state of the journey as far as any guard can tell: the step, the choices made (not their values), the
 * way back, and the refusal on screen. What is typed is left out, so the graph is finite; the way back is
 * bounded by `stopWhen`.
 */
function serializeState(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify([
    snapshot.status,
    snapshot.value,
    c.productType,
    c.providerCode,
    c.subscriberId !== null,
    c.amount !== null,
    c.recipient === c.phone,
    c.quote !== null,
    c.error?.key ?? null,
    c.quoteFailure?.retryable ?? null,
    c.page,
    c.history,
    c.directDial ?? false,
  ]);
}

function serializeEvent(event: EventObject): string {
  const { type, ...rest } = event as EventObject & { text?: string; error?: unknown };
  return `${type} ${JSON.stringify(rest)}`;
}

/** A journey dropped at `step` (as the session code finds it), with the choices a journey there has made. */
function droppedAt(step: InputStep): DroppedJourney {
  const quoted = step === "quote" || step === "quoteError" || step === "recipient";
  return {
    step,
    journey: {
      // The steps a journey dropped there had passed (what `0` goes back through).
      history: HISTORY_BEFORE[step],
      productType: "ELECTRICITY",
      providerCode: "P1",
      subscriberId: step === "menu" || step === "provider" || step === "subscriber" ? null : "04040404040",
      amount: quoted ? "50.00" : null,
      recipient: quoted ? "26771000001" : null,
      quote: quoted
        ? {
            reference: "R1",
            customerName: "J",
            amount: "50.00",
            charge: "1.00",
            total: "51.00",
            currency: "BWP",
          }
        : null,
      quoteFailure: step === "quoteError" ? { failure: { cause: "declined" }, retryable: false } : null,
      typed: ["1"],
    },
  };
}

const HISTORY_BEFORE: Record<InputStep, InputStep[]> = {
  menu: [],
  provider: ["menu"],
  subscriberChoice: ["menu", "provider"],
  subscriber: ["menu"],
  amount: ["menu", "subscriber"],
  recipient: ["menu", "subscriber", "amount", "quote"],
  quote: ["menu", "subscriber", "amount"],
  quoteError: ["menu", "subscriber", "amount"],
};

const base = {
  sessionId: "s3",
  phone: "26771000001",
  products: [electricity, airtime, data, water],
  minAmount: "5.00",
  maxAmount: "100.00",
  currency: "BWP",
};

/** The first-time language menu and the resume offer, walked until the journey proper begins. */
const openings: Array<{ name: string; input: JourneyInput }> = [
  {
    name: "language first, then a dropped journey offered",
    input: {
      ...base,
      languageChoice: [
        { code: "en", name: "English" },
        { code: "xx", name: "Other" },
      ],
      resume: droppedAt("amount"),
    },
  },
  ...INPUT_STEPS.map((step) => ({
    name: `resume at ${step}`,
    input: { ...base, resume: droppedAt(step) },
  })),
];

const journeys: Array<{ name: string; input: JourneyInput }> = [
  {
    name: "pay with 1, own number usable",
    input: {
      sessionId: "s1",
      phone: "26771000001",
      products: [electricity, airtime, data, water],
      minAmount: "5.00",
      maxAmount: "100.00",
      currency: "BWP",
    },
  },
  {
    // A late retry cannot be told from input: the quote is paid by code; this phone is no airtime subscriber.
    name: "pay by code, own number refused",
    input: {
      sessionId: "s2",
      phone: "26571000001",
      products: [electricity, airtime, data, water],
      minAmount: "5.00",
      maxAmount: "100.00",
      currency: "BWP",
      payByCode: true,
    },
  },
];

interface Walk {
  events: EventObject[];
  /** Where the graph says the walk ends. */
  end: Snapshot;
}

/** A shortest path to every reachable state, then each event from that state: every edge of the graph. */
function walks(input: JourneyInput, openingOnly = false): Walk[] {
  const options = {
    input,
    events,
    serializeState,
    serializeEvent,
    // Going forward and back forever only repeats states with a longer way back. An opening is walked only
    // until the journey proper begins (the journeys above walk the rest).
    stopWhen: (snapshot: Snapshot) =>
      (openingOnly && !["language", "resumeOffer"].includes(String(snapshot.value))) ||
      snapshot.context.history.length > 5 ||
      snapshot.context.page > 1,
  };
  const adjacency = getAdjacencyMap(purchaseMachine, options as never);
  const result: Walk[] = [];
  for (const path of getShortestPaths(purchaseMachine, options as never)) {
    const to = path.steps.map((step) => step.event as EventObject);
    const key = serializeState(path.state as Snapshot);
    const edges = Object.values(
      (adjacency as unknown as Record<string, { transitions: object }>)[key]?.transitions ?? {},
    ) as Array<{
      event: EventObject;
      state: Snapshot;
    }>;
    // A state with edges is reached by their walks; a final one is a walk of its own.
    if (edges.length === 0) result.push({ events: to, end: path.state as Snapshot });
    for (const edge of edges) {
      result.push({ events: [...to, edge.event], end: edge.state });
    }
  }
  return result;
}

interface Replay {
  end: Snapshot;
  /** Each settled state an input was sent to, with the step `0` would go back to: `"quote" amount`. */
  backFrom: string[];
  /** Every state entered, in order (the transient `after…` states included). */
  states: string[];
  transitions: Set<string>;
}

/** Runs a walk on a real actor: INPUT is sent, and each call's stub answers as the walk's next actor event. */
async function replay(input: JourneyInput, walk: Walk): Promise<Replay> {
  const answers = walk.events.filter((event) => /^xstate\.(done|error)\.actor\./.test(event.type));
  let waiting = false;
  const stub = <T, I>() =>
    fromPromise<T, I>(() => {
      const answer = answers.shift() as (EventObject & { output?: T; error?: unknown }) | undefined;
      // The walk ends while this call is in flight: it never answers.
      if (!answer) {
        waiting = true;
        return new Promise<T>(() => {});
      }
      return answer.type.startsWith("xstate.done.")
        ? Promise.resolve(answer.output as T)
        : Promise.reject(answer.error);
    });
  const machine = purchaseMachine.provide({
    actors: {
      requestQuote: stub<QuotedPurchase, QuoteRequest>(),
      confirmPurchase: stub<PurchaseOutcome, { reference: string; sessionId: string }>(),
      resendLastTokens: stub<LastTokensOutcome, { phone: string }>(),
    },
  });
  const states: string[] = [];
  const transitions = new Set<string>();
  const actor = createActor(machine, {
    input,
    inspect: (event) => {
      if (event.type !== "@xstate.microstep") return;
      const micro = event as unknown as { _transitions: Transition[]; snapshot: Snapshot };
      for (const transition of micro._transitions) transitions.add(transitionName(transition));
      states.push(JSON.stringify(micro.snapshot.value));
    },
  });
  actor.start();
  // Every actor starts in the machine's initial state, which its first microsteps leave at once.
  states.unshift(JSON.stringify(purchaseMachine.config.initial), JSON.stringify(actor.getSnapshot().value));
  const backFrom: string[] = [];
  for (const event of walk.events) {
    if (event.type !== "INPUT") continue;
    const before = actor.getSnapshot();
    backFrom.push(`${JSON.stringify(before.value)} ${before.context.history.at(-1)}`);
    actor.send(event as never);
    await waitFor(actor, (s) => !s.hasTag("busy") || waiting, { timeout: 1000 });
  }
  // An answer to the last call may still be on its way.
  if (!waiting) await waitFor(actor, (s) => !s.hasTag("busy"), { timeout: 1000 });
  const end = actor.getSnapshot();
  actor.stop();
  return { end, backFrom, states, transitions };
}

type Transition = { source: AnyStateNode; eventType: string; guard?: unknown };

/** The step a `0` transition goes back to (guard `isBackTo`), or null for any other transition. */
function backStep(transition: Transition): string | null {
  const guard = transition.guard as { type?: string; params?: { step?: string } } | undefined;
  return guard?.type === "isBackTo" ? (guard.params?.step ?? null) : null;
}

/** A transition named by where it is in the config (its state, event and place in the list). */
function transitionName(transition: Transition): string {
  const { source, eventType } = transition;
  const always = (source.always ?? []) as unknown[];
  if (always.includes(transition)) return `${source.id} always #${always.indexOf(transition)}`;
  const list = (source.transitions.get(eventType) ?? []) as unknown[];
  return `${source.id} ${eventType} #${list.indexOf(transition)}`;
}

/** Every transition in the machine's config: each state's `on`, `always` and invoke done/error ones. */
function configTransitions(): Transition[] {
  const all: Transition[] = [];
  for (const node of getStateNodes(purchaseMachine.root) as AnyStateNode[]) {
    for (const list of node.transitions.values()) all.push(...list);
    all.push(...(node.always ?? []));
  }
  return all;
}

describe("purchase machine paths (@xstate/graph)", function () {
  this.timeout(60_000);
  const taken = new Set<string>();
  const visited = new Set<string>();
  const ends = new Set<string>();
  const backFrom = new Set<string>();

  const all = [
    ...journeys.map((journey) => ({ ...journey, openingOnly: false })),
    ...openings.map((opening) => ({ ...opening, openingOnly: true })),
  ];
  for (const { name, input, openingOnly } of all) {
    it(`replays every edge of the graph on a real actor, ending where the graph says (${name})`, async () => {
      const all = walks(input, openingOnly);
      assert.ok(all.length > (openingOnly ? 2 : 100), `only ${all.length} walks`);
      for (const walk of all) {
        const run = await replay(input, walk);
        assert.deepEqual(
          [run.end.status, run.end.value, run.end.context.error?.key ?? null],
          [walk.end.status, walk.end.value, walk.end.context.error?.key ?? null],
          `walk ${walk.events.map(serializeEvent).join(" → ")}`,
        );
        for (const transition of run.transitions) taken.add(transition);
        for (const state of run.states) visited.add(state);
        ends.add(JSON.stringify(run.end.value));
        for (const at of run.backFrom) backFrom.add(at);

        // Money: the confirm call starts only from the quote the customer saw.
        const confirming = run.states.indexOf(JSON.stringify("confirming"));
        if (confirming >= 0) {
          assert.ok(
            run.states.slice(0, confirming).includes(JSON.stringify("quote")),
            `reached confirming without the quote: ${run.states.join(" → ")}`,
          );
          assert.equal(
            run.states[confirming - 1],
            JSON.stringify("quote"),
            "confirming comes straight from quote",
          );
        }
      }
    });
  }

  it("reaches every state of the machine", () => {
    const states = (getStateNodes(purchaseMachine.root) as AnyStateNode[]).map((node) =>
      JSON.stringify(node.key),
    );
    assert.deepEqual(
      states.filter((state) => !visited.has(state)),
      [],
      "states no walk reached",
    );
    for (const final of ["done", "cancelled", "lastTokensDone"]) assert.ok(ends.has(JSON.stringify(final)));
  });

  it("takes every transition of the machine's config", () => {
    const all = configTransitions();
    assert.ok(all.length > 80, `only ${all.length} transitions in the config`);
    // Every prompt shares the list of `0` transitions (one per step), but `0` on a prompt can only go back
    // to a step that was on screen right before it: a `0`-to-step transition of a prompt no walk ever
    // reached with that step last in its history cannot fire (its guard is false there), so it is left out
    // and counted. Every other transition must be taken.
    const canFire = (t: Transition) => {
      const step = backStep(t);
      return step === null || backFrom.has(`${JSON.stringify(t.source.key)} ${step}`);
    };
    const live = all.filter(canFire);
    // The steps `0` can go back to from each prompt: the one shown before it on some way there.
    assert.deepEqual(
      live.filter((t) => backStep(t) !== null).map((t) => `${t.source.key} → ${backStep(t)}`),
      [
        "provider → menu",
        "subscriberChoice → menu",
        "subscriberChoice → provider",
        "subscriber → menu",
        "subscriber → provider",
        "subscriber → subscriberChoice",
        "amount → subscriberChoice",
        "amount → subscriber",
        "recipient → quote",
        "quote → amount",
        "quote → recipient",
        "quoteError → amount",
        "quoteError → recipient",
      ],
    );
    const missing = live.map(transitionName).filter((name) => !taken.has(name));
    assert.deepEqual(missing, [], "transitions no walk took");
  });
});
