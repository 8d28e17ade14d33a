// The Express app: routes → channel handlers. No business logic here.
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from "express";
import { firstIssue } from "./http/refusal.js";
import { type WebhookSecurity, webhookGuard } from "./http/webhook-security.js";
import type { Logger } from "./log.js";
import { africasTalkingDeliveryReport, type SmsDeliveryLog } from "./notify/delivery.js";
import type { SmsConversations } from "./sms/conversations.js";
import { parseAfricasTalkingInbound } from "./sms/inbound.js";
import { parseAfricasTalkingEvent } from "./ussd/aggregators/africastalking-events.js";
import type { AggregatorName, RegisteredAggregator } from "./ussd/aggregators/registry.js";
import type { GatewaySessions } from "./ussd/gateway-sessions.js";
import { bodyParsers, type UssdCallbackObserver, ussdRoutes } from "./ussd/routes.js";
import type { UssdSessions } from "./ussd/session.js";

export interface HealthReport {
  ok: boolean;
  detail: Record<string, unknown>;
}

export interface AppDeps {
  ussd: UssdSessions;
  aggregators: RegisteredAggregator[];
  /** Aggregator phone fields → E.164 digits. */
  toPhone: (raw: string) => string | null;
  health: () => Promise<HealthReport>;
  deliveries: SmsDeliveryLog;
  sms: SmsConversations;
  security: Record<AggregatorName, WebhookSecurity>;
  /** What Infobip-like gateways were told of their sessions (src/ussd/gateway-sessions.ts). */
  gatewaySessions: GatewaySessions;
  /** Express's `trust proxy`: off, on, or the number of proxies in front (for X-Forwarded-For). */
  trustProxy: string;
  logger: Logger;
  /** Told of every USSD callback (metrics). */
  observer?: UssdCallbackObserver;
  /** Metrics, liveness/readiness, the operator page and the simulator (src/operator/). */
  operatorRoutes?: Router;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // Replies are never cached; hashing every one for an ETag is wasted work on the hot path.
  app.set("etag", false);
  app.set(
    "trust proxy",
    deps.trustProxy === "on" ? true : deps.trustProxy === "off" ? false : Number(deps.trustProxy),
  );
  // Africa's Talking's SMS callbacks are secured like its USSD ones.
  const africasTalking = [
    webhookGuard("africastalking", deps.security.africastalking, deps.logger),
    ...bodyParsers("form-or-json"),
  ];

  app.use(
    ussdRoutes(deps.aggregators, {
      ussd: deps.ussd,
      toPhone: deps.toPhone,
      security: deps.security,
      gatewaySessions: deps.gatewaySessions,
      logger: deps.logger,
      ...(deps.observer ? { observer: deps.observer } : {}),
    }),
  );

  app.post("/ussd/africastalking/events", ...africasTalking, async (req: Request, res: Response) => {
    const parsed = parseAfricasTalkingEvent(req.body, deps.toPhone);
    if (!parsed.ok) {
      res.status(400).type("text/plain").send(parsed.reason);
      return;
    }
    if (parsed.event.kind === "ended") {
      await deps.ussd.ended(parsed.event.sessionId, parsed.event.reason).catch(() => undefined);
    }
    res.status(200).type("text/plain").send("OK");
  });

  app.post("/sms/africastalking", ...africasTalking, (req: Request, res: Response) => {
    const parsed = parseAfricasTalkingInbound(req.body, deps.toPhone);
    if (!parsed.ok) {
      res.status(400).type("text/plain").send(parsed.reason);
      return;
    }
    // Answer at once; the reply goes out by SMS.
    deps.sms.accept(parsed.sms);
    res.status(200).type("text/plain").send("OK");
  });

  app.post("/sms/africastalking/delivery", ...africasTalking, async (req: Request, res: Response) => {
    const parsed = africasTalkingDeliveryReport.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).type("text/plain").send(firstIssue(parsed.error));
      return;
    }
    try {
      await deps.deliveries.report(parsed.data);
      res.status(200).type("text/plain").send("OK");
    } catch (error) {
      // Africa's Talking retries a report that was not acknowledged.
      deps.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "delivery report not recorded",
      );
      res.status(503).type("text/plain").send("Try again later");
    }
  });

  app.get("/health", async (_req, res) => {
    const report = await deps.health().catch((error: unknown) => ({
      ok: false,
      detail: { error: error instanceof Error ? error.message : String(error) },
    }));
    res.status(report.ok ? 200 : 503).json({ status: report.ok ? "ok" : "unavailable", ...report.detail });
  });

  if (deps.operatorRoutes) app.use(deps.operatorRoutes);

  app.use((_req, res) => {
    res.status(404).type("text/plain").send("Not found");
  });

  // Malformed or oversized bodies get a short 4xx, never a stack trace.
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const status =
      typeof error?.status === "number" && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500)
      deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, "request failed");
    const message = status === 413 ? "Body too large" : status === 400 ? "Malformed body" : "Request failed";
    res.status(status).type("text/plain").send(message);
  };
  app.use(onError);
  return app;
}
