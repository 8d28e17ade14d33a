// VENDOR → one VendingClient, and its built-in sandbox when the vendor's URL is unset.
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { PowershopClient } from "./powershop.js";
import { POWERSHOP_SANDBOX_CREDENTIALS, startPowershopSandbox } from "./sandbox/powershop.js";
import { startScratchPowerCurrentSandbox } from "./sandbox/scratchpower-current.js";
import { SANDBOX_CREDENTIALS, startScratchPowerSandbox } from "./sandbox/scratchpower-v1.js";
import { ScratchPowerCurrentClient } from "./scratchpower-current.js";
import { ScratchPowerV1Client } from "./scratchpower-v1.js";
import type { VendingClient } from "./vendor.js";

export interface SelectedVendor {
  vendor: VendingClient;
  /** The built-in sandbox, when it runs (closed with the service). */
  sandbox?: { url: string; close(): Promise<void> };
  /** Vendor channel of SMS purchases. */
  smsSourceChannel: string;
}

export async function vendorFromConfig(config: Config, logger: Logger): Promise<SelectedVendor> {
  switch (config.VENDOR) {
    case "scratchpower":
    case "scratchpower-current": {
      const current = config.VENDOR === "scratchpower-current";
      const sandbox = config.SCRATCHPOWER_URL
        ? undefined
        : await (current ? startScratchPowerCurrentSandbox : startScratchPowerSandbox)({
            confirmHangMs: config.SANDBOX_CONFIRM_HANG_MS,
          });
      const options = {
        baseUrl: config.SCRATCHPOWER_URL ?? (sandbox?.url as string),
        credentials: sandbox
          ? {
              clientId: SANDBOX_CREDENTIALS.client_id,
              clientSecret: SANDBOX_CREDENTIALS.client_secret,
              username: SANDBOX_CREDENTIALS.username,
              password: SANDBOX_CREDENTIALS.password,
              orgCode: SANDBOX_CREDENTIALS.org_code,
            }
          : {
              clientId: config.SCRATCHPOWER_CLIENT_ID ?? "",
              clientSecret: config.SCRATCHPOWER_CLIENT_SECRET ?? "",
              username: config.SCRATCHPOWER_USERNAME ?? "",
              password: config.SCRATCHPOWER_PASSWORD ?? "",
              orgCode: config.SCRATCHPOWER_ORG_CODE ?? "",
            },
        ...(config.SCRATCHPOWER_ACCOUNT_ID ? { accountId: config.SCRATCHPOWER_ACCOUNT_ID } : {}),
        ...(config.SCRATCHPOWER_SOURCE_TAG ? { sourceTag: config.SCRATCHPOWER_SOURCE_TAG } : {}),
        ...(config.SCRATCHPOWER_TIME_ZONE ? { timeZone: config.SCRATCHPOWER_TIME_ZONE } : {}),
        locale: config.LOCALE,
        currency: config.CURRENCY,
        timeoutMs: config.VENDOR_TIMEOUT_MS,
        confirmTimeoutMs: config.CONFIRM_TIMEOUT_MS,
        logger,
      };
      return {
        vendor: current ? new ScratchPowerCurrentClient(options) : new ScratchPowerV1Client(options),
        ...(sandbox ? { sandbox } : {}),
        // v1 has no SMS channel; the Current API has SMS_MO.
        smsSourceChannel: config.SMS_SOURCE_CHANNEL ?? (current ? "SMS_MO" : "USSD"),
      };
    }
    case "powershop": {
      const sandbox = config.POWERSHOP_URL
        ? undefined
        : await startPowershopSandbox({ generationHangMs: config.SANDBOX_CONFIRM_HANG_MS });
      return {
        vendor: new PowershopClient({
          baseUrl: config.POWERSHOP_URL ?? (sandbox?.url as string),
          username: sandbox ? POWERSHOP_SANDBOX_CREDENTIALS.username : (config.POWERSHOP_USERNAME ?? ""),
          secret: sandbox ? POWERSHOP_SANDBOX_CREDENTIALS.secret : (config.POWERSHOP_SECRET ?? ""),
          currency: config.CURRENCY,
          timeoutMs: config.VENDOR_TIMEOUT_MS,
          generationTimeoutMs: config.CONFIRM_TIMEOUT_MS,
          notFoundSettleMs: config.POWERSHOP_NOT_FOUND_SETTLE_MS,
          logger,
        }),
        ...(sandbox ? { sandbox } : {}),
        smsSourceChannel: config.SMS_SOURCE_CHANNEL ?? "USSD",
      };
    }
  }
}
