// Shared set-up for the ScratchPower v1 tests: a client wired to a running sandbox with its credentials.

import { randomUUID } from "node:crypto";
import { createLogger } from "../../src/log.js";
import { SANDBOX_CREDENTIALS, type SandboxHandle } from "../../src/vending/sandbox/scratchpower-v1.js";
import { ScratchPowerV1Client, type ScratchPowerV1Options } from "../../src/vending/scratchpower-v1.js";
import type { PurchaseRequest } from "../../src/vending/vendor.js";

export const sandboxCredentials = {
  clientId: SANDBOX_CREDENTIALS.client_id,
  clientSecret: SANDBOX_CREDENTIALS.client_secret,
  username: SANDBOX_CREDENTIALS.username,
  password: SANDBOX_CREDENTIALS.password,
  orgCode: SANDBOX_CREDENTIALS.org_code,
};

export function clientFor(
  target: SandboxHandle | string,
  overrides: Partial<ScratchPowerV1Options> = {},
): ScratchPowerV1Client {
  return new ScratchPowerV1Client({
    baseUrl: typeof target === "string" ? target : target.url,
    credentials: sandboxCredentials,
    locale: "en-BW",
    currency: "BWP",
    logger: createLogger("silent"),
    ...overrides,
  });
}

export function electricity(meter: string, amount = "100.00"): PurchaseRequest {
  return {
    productType: "ELECTRICITY",
    providerCode: "BPC",
    subscriberId: meter,
    amount,
    beneficiaryPhone: "26771436390",
    externalReference: randomUUID(),
    sourceChannel: "USSD",
  };
}

export function purchase(productType: string, providerCode: string, subscriberId: string, amount: string) {
  return { ...electricity(subscriberId, amount), productType, providerCode };
}

/** Runs `action` and returns what it threw (fails the test when it did not throw). */
export async function thrownBy(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
