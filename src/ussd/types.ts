// The one internal shape every aggregator adapter produces and consumes.

/**
 * What the aggregator tells us the customer typed:
 * - `path`: every input of the session so far (Africa's Talking's `text` split on `*`);
 * - `latest`: only the newest input; on the first callback (`isNew`) any inputs dialled after the service
 *   code (`*123*1*04040404040*100#` → `["1","04040404040","100"]`) come as `dialled`, and `text` is "".
 *   `hop` is the aggregator's own callback counter when it sends one (Hubtel `Sequence`): it tells an
 *   aggregator retry from the customer typing the same thing again.
 */
export type UssdInput =
  | { kind: "path"; inputs: string[] }
  | { kind: "latest"; text: string; isNew: boolean; dialled?: string[]; hop?: number };

export interface UssdRequest {
  /** Aggregator name + its session id (or a composite one): unique across aggregators. */
  sessionId: string;
  /** The dialling phone, E.164 digits without `+`. */
  phone: string;
  serviceCode: string;
  network?: string;
  input: UssdInput;
  /**
   * The aggregator names every dial of one phone with this same id (Nalo without SESSIONID), so a first
   * hop on it may be a new dial rather than a retry.
   */
  sessionIdReused?: boolean;
}

export interface UssdReply {
  text: string;
  /** True when this screen closes the session (`END`). */
  end: boolean;
}

/** What an adapter makes of one callback. */
export type UssdEvent =
  /** The customer typed something (or dialled): answer with a screen. */
  | { kind: "input"; request: UssdRequest }
  /** The aggregator says the session is over (released, timed out, ended): record it, acknowledge. */
  | { kind: "ended"; sessionId: string; phone?: string; reason: string }
  /** The aggregator asks whether the session is still open (Infobip's `status`): answer, change nothing. */
  | { kind: "status"; sessionId: string };

/** What an adapter makes of a request: an event, or why it is refused (answered with a 400). */
export type ParsedUssdCallback = { ok: true; event: UssdEvent } | { ok: false; reason: string };

/** The parts of an HTTP request an adapter may read. */
export interface CallbackRequest {
  /** Parsed body: an object for JSON and form bodies, the raw text for XML. */
  body: unknown;
  query: Record<string, unknown>;
  /** Path parameters, e.g. Infobip's `sessionId` and `action`. */
  params: Record<string, string>;
}

/** The HTTP answer an adapter renders. */
export interface CallbackResponse {
  status: number;
  contentType: string;
  body: string;
}

/**
 * One aggregator wire format: a small file each in src/ussd/aggregators/. Its name (the route `/ussd/<name>`)
 * and screen limit are its line in aggregators/registry.ts.
 */
export interface UssdAggregator {
  method: "GET" | "POST";
  /** Express path(s) relative to `/ussd/<name>`, e.g. `""` or `"/:sessionId/:action"`. */
  paths: string[];
  /** Body format the route must parse. */
  body: "form-or-json" | "json" | "xml" | "none";
  parse(request: CallbackRequest, toPhone: (raw: string) => string | null): ParsedUssdCallback;
  /** Renders a screen, echoing whatever the aggregator wants echoed from its request. */
  render(reply: UssdReply, request: CallbackRequest): CallbackResponse;
  /** Acknowledges an `ended` event. */
  acknowledgeEnd(request: CallbackRequest): CallbackResponse;
  /**
   * The gateway shows the first reply of a session as a menu whatever it says (Infobip): a closing first
   * screen is sent as a menu and the session closes on the next callback, with the same screen.
   */
  firstReplyIsMenu?: boolean;
  /** A path (relative, like `paths`) the gateway calls with GET to ask whether a session is open. */
  statusPath?: string;
  /** Answers a `status` event. */
  renderStatus?(active: boolean, request: CallbackRequest): CallbackResponse;
  /**
   * A refused request (400 bad body, 403 guard, 413 too large) in the gateway's own error shape; without
   * it, the status and a short text/plain reason.
   */
  renderRefusal?(status: number, reason: string): CallbackResponse;
}
