// The configuration that points the service at a ScratchPower sandbox started outside it (tests, bench).
import { SANDBOX_CREDENTIALS } from "../../src/vending/sandbox/scratchpower-v1.js";

export function scratchPowerSandboxEnv(
  url: string,
  credentials: typeof SANDBOX_CREDENTIALS = SANDBOX_CREDENTIALS,
): Record<string, string> {
  return {
    SCRATCHPOWER_URL: url,
    SCRATCHPOWER_CLIENT_ID: credentials.client_id,
    SCRATCHPOWER_CLIENT_SECRET: credentials.client_secret,
    SCRATCHPOWER_USERNAME: credentials.username,
    SCRATCHPOWER_PASSWORD: credentials.password,
    SCRATCHPOWER_ORG_CODE: credentials.org_code,
  };
}
