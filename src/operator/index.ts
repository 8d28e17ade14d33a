// Everything an operator reaches over HTTP, assembled in one router: metrics, liveness/readiness, the
// operator page and the handset simulator. main.ts builds it; app.ts mounts it before its 404.
import express, { type Router } from "express";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import type { LogSmsSender } from "../notify/gateways/log.js";
import { regionOf } from "../phone.js";
import type { PurchaseLedger } from "../purchases/ledger.js";
import type { PurchaseService } from "../purchases/purchases.js";
import type { KeyValueStore } from "../store/store.js";
import type { RegisteredAggregator } from "../ussd/aggregators/registry.js";
import type { VendingClient } from "../vending/vendor.js";
import { AuditTrail } from "./audit.js";
import { OperatorAccess } from "./auth.js";
import { healthRoutes } from "./health.js";
import type { ServiceMetrics } from "./metrics.js";
import { operatorPageRoutes } from "./operator-page.js";
import { simulatorRoutes } from "./simulator.js";

export interface OperatorDeps {
  config: Config;
  logger: Logger;
  metrics: ServiceMetrics;
  store: KeyValueStore;
  ledger: PurchaseLedger;
  purchases: PurchaseService;
  vendor: VendingClient;
  /** True when the vendor is the built-in sandbox (no real money anywhere). */
  sandbox: boolean;
  aggregators: RegisteredAggregator[];
  toPhone: (raw: string) => string | null;
  /** The log SMS gateway, when SMS go to the log: the simulator's inbox. */
  smsLog?: LogSmsSender;
}

export function operatorRoutes(deps: OperatorDeps): Router {
  const { config } = deps;
  const router = express.Router();
  router.get("/metrics", async (_req, res) => {
    const { contentType, body } = await deps.metrics.expose();
    res.status(200).type(contentType).send(body);
  });
  router.use(healthRoutes({ storePing: () => deps.store.ping(), vendor: deps.vendor }));

  const access = new OperatorAccess({
    ...(config.OPERATOR_USERS ? { users: config.OPERATOR_USERS } : {}),
    ...(config.OPERATOR_TOKEN ? { token: config.OPERATOR_TOKEN } : {}),
    sandbox: deps.sandbox,
  });
  router.use(
    operatorPageRoutes({
      access,
      ledger: deps.ledger,
      purchases: deps.purchases,
      audit: new AuditTrail(deps.store, deps.logger),
      vendor: config.VENDOR,
      toPhone: deps.toPhone,
    }),
  );
  // The simulator buys for real through the configured vendor: on by default only with the sandbox.
  if (config.SIMULATOR === "on" || (config.SIMULATOR === undefined && deps.sandbox)) {
    router.use(
      simulatorRoutes({
        access,
        aggregators: deps.aggregators,
        security: config.webhookSecurity,
        toPhone: deps.toPhone,
        ...(deps.smsLog ? { inbox: deps.smsLog } : {}),
        serviceCode: config.USSD_SERVICE_CODES[0] ?? "*384*123#",
        region: regionOf(config.LOCALE),
      }),
    );
  }
  return router;
}
