// Liveness and readiness for orchestrators. Liveness says only that this process answers (so a Redis
// outage never gets every container restarted); readiness says whether it can serve a customer now: the
// store answers and the vendor's catalogue has been read. `/health` (in app.ts) keeps its fuller report.
import express, { type Router } from "express";
import type { VendingClient } from "../vending/vendor.js";

export interface ReadinessSources {
  storePing: () => Promise<boolean>;
  vendor: Pick<VendingClient, "products">;
  /** How long readiness waits for each check (default 2000 ms). */
  timeoutMs?: number;
}

export function healthRoutes(sources: ReadinessSources): Router {
  const router = express.Router();
  const timeoutMs = sources.timeoutMs ?? 2000;
  router.get("/health/live", (_req, res) => {
    res.status(200).json({ status: "live" });
  });
  router.get("/health/ready", async (_req, res) => {
    const [storeReachable, catalogueLoaded] = await Promise.all([
      within(sources.storePing(), timeoutMs),
      // The clients keep the catalogue cached: this is a vendor call only until it has been read once.
      within(
        sources.vendor.products().then((products) => products.length > 0),
        timeoutMs,
      ),
    ]);
    const ready = storeReachable && catalogueLoaded;
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? "ready" : "not ready", storeReachable, catalogueLoaded });
  });
  return router;
}

/** True only when `check` resolves true within `ms`; a rejection or a timeout is false. */
function within(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([check.catch(() => false), deadline]).finally(() => clearTimeout(timer));
}
