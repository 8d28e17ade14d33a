// The one internal shape every aggregator adapter produces and consumes.

export interface UssdRequest {
  /** Aggregator name + its session id: unique across aggregators. */
  sessionId: string;
  /** The dialling phone, E.164 digits without `+`. */
  phone: string;
  serviceCode: string;
  network?: string;
  /** Every input of this session so far, oldest first (empty on the first callback). */
  inputs: string[];
}

export interface UssdReply {
  text: string;
  /** True when this screen closes the session (`END`). */
  end: boolean;
}

/** What an adapter makes of a request body: a request, or why it is refused (answered with a 400). */
export type ParsedUssdRequest = { ok: true; request: UssdRequest } | { ok: false; reason: string };
