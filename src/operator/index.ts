// Everything an operator reaches over HTTP, assembled in one router: metrics, liveness/readiness, the
// operator page and the handset simulator. main.ts builds it; app.ts mounts it before its 404.
import express, { type Router } from "express";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import type { PurchaseLedger } from "../purchases/ledger.js";
import type { VendingClient } from "../vending/vendor.js";
import { healthRoutes } from "./health.js";
import type { ServiceMetrics } from "./metrics.js";

export interface OperatorDeps {
  config: Config;
  logger: Logger;
  metrics: ServiceMetrics;
  storePing: () => Promise<boolean>;
  ledger: PurchaseLedger;
  vendor: VendingClient;
  /** True when the vendor is the built-in sandbox (no real money anywhere). */
  sandbox: boolean;
}

export function operatorRoutes(deps: OperatorDeps): Router {
  const router = express.Router();
  router.get("/metrics", async (_req, res) => {
    const { contentType, body } = await deps.metrics.expose();
    res.status(200).type(contentType).send(body);
  });
  router.use(healthRoutes({ storePing: deps.storePing, vendor: deps.vendor }));
  return router;
}
