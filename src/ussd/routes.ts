// One route per aggregator: guard (secret / IP / basic auth) → body parser → adapter.parse → session →
// adapter.render. The session logic never sees a wire format.
import express, { type Request, type RequestHandler, type Response, type Router } from "express";
import type { WebhookSecurity } from "../http/webhook-security.js";
import { webhookGuard } from "../http/webhook-security.js";
import type { Logger } from "../log.js";
import type { AggregatorName, RegisteredAggregator } from "./aggregators/registry.js";
import { UssdSessions } from "./session.js";
import type { CallbackRequest, CallbackResponse, UssdAggregator } from "./types.js";

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
  logger: Logger;
}

/** Mounts `/ussd/<name>` for each registered aggregator, behind its guard. */
export function ussdRoutes(aggregators: RegisteredAggregator[], deps: UssdRouteDeps): Router {
  const router = express.Router();
  for (const { name, screenLimit, adapter: aggregator } of aggregators) {
    const guard = webhookGuard(name, deps.security[name], deps.logger);
    const handler = async (req: Request, res: Response) => {
      const started = performance.now();
      const seen = (outcome: CallbackOutcome) =>
        deps.observer?.callback(name, outcome, (performance.now() - started) / 1000);
      const callback = callbackOf(req);
      const parsed = aggregator.parse(callback, deps.toPhone);
      if (!parsed.ok) {
        res.status(400).type("text/plain").send(parsed.reason);
        seen("refused");
        return;
      }
      const event = parsed.event;
      if (event.kind === "ended") {
        await deps.ussd.ended(event.sessionId, event.reason).catch((error: unknown) => {
          deps.logger.warn({ err: String(error) }, "session end not recorded");
        });
        send(res, aggregator.acknowledgeEnd(callback));
        seen("ended");
        deps.observer?.session(name, /time/i.test(event.reason) ? "timed_out" : "released");
        return;
      }
      const input = event.request.input;
      if (input.kind === "path" ? input.inputs.length === 0 : input.isNew)
        deps.observer?.session(name, "started");
      let reply = UssdSessions.busyReply;
      let failed = false;
      try {
        reply = await deps.ussd.handle(event.request, screenLimit);
      } catch (error) {
        failed = true;
        deps.logger.error({ aggregator: name, err: errorText(error) }, "USSD callback failed");
      }
      send(res, aggregator.render(reply, callback));
      seen(failed ? "failed" : reply.end ? "end" : "continue");
      if (reply.end) deps.observer?.session(name, "completed");
    };
    for (const path of aggregator.paths) {
      const route = `/ussd/${name}${path}`;
      const chain = [guard, ...bodyParsers(aggregator.body), handler];
      if (aggregator.method === "GET") router.get(route, ...chain);
      else {
        router.post(route, ...chain);
        // Infobip sends later hops of a session with PUT.
        router.put(route, ...chain);
      }
    }
  }
  return router;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
