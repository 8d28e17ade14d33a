// One route per aggregator: guard (secret / IP / basic auth) → body parser → adapter.parse → session →
// adapter.render. The session logic never sees a wire format.
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from "express";
import type { WebhookSecurity } from "../http/webhook-security.js";
import { webhookGuard } from "../http/webhook-security.js";
import type { Logger } from "../log.js";
import type { AggregatorName, RegisteredAggregator } from "./aggregators/registry.js";
import type { GatewaySessions } from "./gateway-sessions.js";
import { UssdSessions } from "./session.js";
import type { CallbackRequest, CallbackResponse, UssdAggregator, UssdReply } from "./types.js";

export const BODY_LIMIT = "16kb";

export function bodyParsers(kind: UssdAggregator["body"]): RequestHandler[] {
  switch (kind) {
    case "form-or-json": {
      const form = express.urlencoded({ extended: false, limit: BODY_LIMIT });
      const json = express.json({ limit: BODY_LIMIT });
      // One parser per request, chosen by its content type (each skips a type it does not read, as before),
      // rather than two in a row where the second only checks the type and passes.
      return [(req, res, next) => (req.is("application/json") ? json : form)(req, res, next)];
    }
    case "json":
      return [express.json({ limit: BODY_LIMIT, type: () => true })];
    case "xml":
      return [express.text({ limit: BODY_LIMIT, type: () => true })];
    case "none":
      return [];
  }
}

function send(res: Response, reply: CallbackResponse): void {
  res.status(reply.status).type(reply.contentType).send(reply.body);
}

function callbackOf(req: Request): CallbackRequest {
  return {
    body: req.body,
    query: req.query as Record<string, unknown>,
    params: req.params as Record<string, string>,
  };
}

/** How a callback was answered: a screen that waits, an END, an acknowledged end, a 400, a busy reply. */
export type CallbackOutcome = "continue" | "end" | "ended" | "refused" | "failed";
export type SessionEvent = "started" | "completed" | "released" | "timed_out";

/** Told of every callback after its reply is sent (synchronously: metrics, never I/O). */
export interface UssdCallbackObserver {
  callback(aggregator: string, outcome: CallbackOutcome, seconds: number): void;
  session(aggregator: string, event: SessionEvent): void;
}

export interface UssdRouteDeps {
  ussd: UssdSessions;
  observer?: UssdCallbackObserver;
  toPhone: (raw: string) => string | null;
  /** Every registered name has an entry (config.ts builds one per name), so no route goes unguarded. */
  security: Record<AggregatorName, WebhookSecurity>;
  /** What gateways that ask (`statusPath`) or show a first close as a menu were told of their sessions. */
  gatewaySessions: GatewaySessions;
  logger: Logger;
}

/** A refusal in the aggregator's own error shape, or the status with a short text/plain reason. */
function refusal(aggregator: UssdAggregator, status: number, reason: string): CallbackResponse {
  return aggregator.renderRefusal?.(status, reason) ?? { status, contentType: "text/plain", body: reason };
}

/** Mounts `/ussd/<name>` for each registered aggregator, behind its guard. */
export function ussdRoutes(aggregators: RegisteredAggregator[], deps: UssdRouteDeps): Router {
  const router = express.Router();
  for (const { name, screenLimit, adapter: aggregator } of aggregators) {
    const guard = webhookGuard(name, deps.security[name], deps.logger, (status, reason) =>
      refusal(aggregator, status, reason),
    );
    // Only gateways that need it pay a store read and write per callback.
    const tracked = aggregator.firstReplyIsMenu === true || aggregator.statusPath !== undefined;
    const gateway = deps.gatewaySessions;
    const handler = async (req: Request, res: Response) => {
      const started = performance.now();
      const seen = (outcome: CallbackOutcome) =>
        deps.observer?.callback(name, outcome, (performance.now() - started) / 1000);
      const callback = callbackOf(req);
      const parsed = aggregator.parse(callback, deps.toPhone);
      if (!parsed.ok) {
        send(res, refusal(aggregator, 400, parsed.reason));
        seen("refused");
        return;
      }
      const event = parsed.event;
      if (event.kind === "status") {
        try {
          const active = await gateway.active(event.sessionId);
          send(res, aggregator.renderStatus?.(active, callback) ?? refusal(aggregator, 404, "Not found"));
        } catch (error) {
          deps.logger.warn({ aggregator: name, err: errorText(error) }, "session status unknown");
          send(res, refusal(aggregator, 503, "Session status unavailable"));
        }
        return;
      }
      if (event.kind === "ended") {
        await deps.ussd.ended(event.sessionId, event.reason).catch((error: unknown) => {
          deps.logger.warn({ err: String(error) }, "session end not recorded");
        });
        if (tracked) await gateway.ended(event.sessionId).catch(() => undefined);
        send(res, aggregator.acknowledgeEnd(callback));
        seen("ended");
        deps.observer?.session(name, /time/i.test(event.reason) ? "timed_out" : "released");
        return;
      }
      const input = event.request.input;
      const first = input.kind === "path" ? input.inputs.length === 0 : input.isNew;
      if (first) deps.observer?.session(name, "started");
      const sessionId = event.request.sessionId;
      let reply = UssdSessions.busyReply;
      let failed = false;
      const known = tracked ? await gateway.get(sessionId).catch(() => null) : null;
      // A close that was sent as a menu on the first reply: this callback closes with it, whatever it says.
      const held: UssdReply | null =
        !first && known?.heldClose !== undefined ? { text: known.heldClose, end: true } : null;
      if (held) reply = held;
      else {
        try {
          reply = await deps.ussd.handle(event.request, screenLimit);
        } catch (error) {
          failed = true;
          deps.logger.error({ aggregator: name, err: errorText(error) }, "USSD callback failed");
        }
      }
      // Only a session's first reply (or the gateway retrying it) is held: a start replayed after the
      // session moved on gets the session's screen as it is.
      const firstReply = known === null || (known.heldClose !== undefined && !known.closed);
      const holdClose = first && reply.end && aggregator.firstReplyIsMenu === true && firstReply;
      const sent: UssdReply = holdClose ? { text: reply.text, end: false } : reply;
      if (tracked) {
        // Written before the reply leaves, so the next callback finds it.
        const heldClose = holdClose || held ? reply.text : undefined;
        await gateway.answered(sessionId, sent, heldClose).catch((error: unknown) => {
          deps.logger.warn({ aggregator: name, err: errorText(error) }, "gateway session not recorded");
        });
      }
      send(res, aggregator.render(sent, callback));
      seen(failed ? "failed" : sent.end ? "end" : "continue");
      if (sent.end) deps.observer?.session(name, "completed");
    };
    // Bodies the parser refuses (malformed, too large) in the aggregator's error shape, if it has one.
    const bodyRefused: ErrorRequestHandler = (error, _req, res, next) => {
      const status = typeof error?.status === "number" ? error.status : 500;
      if (!aggregator.renderRefusal || (status !== 400 && status !== 413)) return next(error);
      send(res, refusal(aggregator, status, status === 413 ? "Body too large" : "Malformed body"));
    };
    for (const path of aggregator.paths) {
      const route = `/ussd/${name}${path}`;
      const chain = [guard, ...bodyParsers(aggregator.body), handler, bodyRefused];
      if (aggregator.method === "GET") router.get(route, ...chain);
      else {
        router.post(route, ...chain);
        // Infobip sends later hops of a session with PUT.
        router.put(route, ...chain);
      }
    }
    // A status request has no body.
    if (aggregator.statusPath) router.get(`/ussd/${name}${aggregator.statusPath}`, guard, handler);
  }
  return router;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
