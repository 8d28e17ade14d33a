// One fixture per vendor: how to start its sandbox, the env that points the service at it, and its test
// numbers, so the USSD and SMS journey suites run once per vendor without being copied.
import {
  POWERSHOP_SANDBOX_CREDENTIALS,
  type PowershopSandboxHandle,
  startPowershopSandbox,
} from "../../src/vending/sandbox/powershop.js";
import {
  CURRENT_SANDBOX_CREDENTIALS,
  type CurrentSandboxHandle,
  startScratchPowerCurrentSandbox,
} from "../../src/vending/sandbox/scratchpower-current.js";
import {
  SANDBOX_CREDENTIALS,
  type SandboxHandle,
  startScratchPowerSandbox,
} from "../../src/vending/sandbox/scratchpower-v1.js";
import { assembleRig, type BaseRig } from "./journey.js";
import { scratchPowerSandboxEnv } from "./scratchpower-env.js";

/** What the suites need to know of a vendor's sandbox, whatever its wire format. */
export interface VendorProbe {
  /** Buy calls (confirm / token generation) the sandbox received, duplicates included. */
  buys(): number;
  /** Quote calls (validate / meter validation). */
  quotes(): number;
  /** Resolution calls (retry / transaction status). */
  resolves(): number;
}

export interface VendorRig extends BaseRig {
  probe: VendorProbe;
}

export interface VendorFixture {
  vendor: string;
  /** Phones of this vendor's country, with `+`. */
  phones: string[];
  currency: string;
  /** The menu shows exactly these products (in order), then "My last tokens". */
  menu: string[];
  /** Label of the provider to pick on the provider screen, when the product has several. */
  provider?: string;
  /** Word for the provider in SMS commands, when one must be named. */
  smsProvider?: string;
  amount: string;
  meters: {
    single: { meter: string; name: string; token: string };
    multi?: { meter: string; tokens: string[] };
    /** Quote refused with the vendor's reason. */
    refused: { meter: string; reason: RegExp };
    /** The buy is refused for lack of funds; `reason` is what the handset shows. */
    insufficientFunds: { meter: string; reason: RegExp };
    hangThenSucceed: { meter: string; token: string };
    hangThenFail: string;
    /** A meter whose vendor minimum is above the fixture's usual amounts (Powershop). */
    belowMinimum?: { meter: string; minimum: string };
  };
  start(env: Record<string, string>): Promise<VendorRig>;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const HANG = { confirmHangMs: 3000 };

async function scratchPowerRig(
  vendor: string,
  sandbox: SandboxHandle | CurrentSandboxHandle,
  credentials: typeof SANDBOX_CREDENTIALS,
  env: Record<string, string>,
): Promise<VendorRig> {
  const base = await assembleRig(
    {
      VENDOR: vendor,
      ...scratchPowerSandboxEnv(sandbox.url, credentials),
      ...env,
    },
    1,
    () => sandbox.close(),
  );
  return {
    ...base,
    probe: {
      buys: () => sum(sandbox.stats.confirms),
      quotes: () => sandbox.stats.validates,
      resolves: () => sandbox.stats.retries,
    },
  };
}

const botswanaMeters = {
  single: { meter: "04040404040", name: "John Smith", token: "0404 0404 0400 0000 0081" },
  multi: {
    meter: "04040404198",
    tokens: ["8190 1047 0212 0545 2032", "8190 1047 0112 0545 2032", "0404 0404 1980 0000 1917"],
  },
  refused: { meter: "04040404011", reason: /Meter 04040404011 is blocked\. Contact BPC\./ },
  insufficientFunds: { meter: "04040404044", reason: /insufficient funds/i },
  hangThenSucceed: { meter: "04040404022", token: "0404 0404 0220 0000 0022" },
  hangThenFail: "04040404033",
};

export const VENDOR_FIXTURES: VendorFixture[] = [
  {
    vendor: "scratchpower",
    phones: ["+26773000001", "+26773000002", "+26773000003", "+26773000004", "+26773000005", "+26773000006"],
    currency: "BWP",
    menu: ["Electricity", "Airtime", "Water"],
    amount: "100",
    meters: botswanaMeters,
    start: async (env) =>
      scratchPowerRig("scratchpower", await startScratchPowerSandbox(HANG), SANDBOX_CREDENTIALS, env),
  },
  {
    vendor: "scratchpower-current",
    phones: ["+26774000001", "+26774000002", "+26774000003", "+26774000004", "+26774000005", "+26774000006"],
    currency: "BWP",
    // The deprecated API sells electricity only: no airtime or water lines.
    menu: ["Electricity"],
    amount: "100",
    meters: {
      ...botswanaMeters,
      // The document's own 810 message for a blocked meter, shown whole.
      refused: {
        meter: "04040404011",
        reason: /has been blocked and cannot purchase electricity\. Please contact BPC\./,
      },
    },
    start: async (env) =>
      scratchPowerRig(
        "scratchpower-current",
        await startScratchPowerCurrentSandbox(HANG),
        CURRENT_SANDBOX_CREDENTIALS,
        env,
      ),
  },
  {
    vendor: "powershop",
    phones: [
      "+2348030000001",
      "+2348030000002",
      "+2348030000003",
      "+2348030000004",
      "+2348030000005",
      "+2348030000006",
    ],
    currency: "NGN",
    menu: ["Electricity"],
    provider: "AEDC",
    smsProvider: "AEDC",
    amount: "1500",
    meters: {
      single: { meter: "45700000001", name: "Aisha Bello", token: "4570 0000 0010 0000 0001" },
      refused: { meter: "45799999999", reason: /not found/i },
      // The merchant's wallet is short, not the customer: the handset says the service cannot sell now.
      insufficientFunds: { meter: "45700000600", reason: /cannot sell right now/i },
      hangThenSucceed: { meter: "0101570000022", token: "0101 5700 0002 2000 0022" },
      belowMinimum: { meter: "45700001000", minimum: "1,000.00" },
      hangThenFail: "0101570000033",
    },
    start: async (env) => {
      const sandbox: PowershopSandboxHandle = await startPowershopSandbox({ generationHangMs: 3000 });
      const base = await assembleRig(
        {
          VENDOR: "powershop",
          POWERSHOP_URL: sandbox.url,
          POWERSHOP_USERNAME: POWERSHOP_SANDBOX_CREDENTIALS.username,
          POWERSHOP_SECRET: POWERSHOP_SANDBOX_CREDENTIALS.secret,
          // LOCALE en-NG and CURRENCY NGN are Powershop's defaults. Status 606s settle within the rig's
          // resolver backoff (100 ms doubling) rather than the production minute.
          POWERSHOP_NOT_FOUND_SETTLE_MS: "150",
          AMOUNT_MAX: "100000.00",
          ...env,
        },
        1,
        () => sandbox.close(),
      );
      return {
        ...base,
        probe: {
          buys: () => sum(sandbox.stats.generations),
          quotes: () => sandbox.stats.validations,
          resolves: () => sandbox.stats.statusRequests,
        },
      };
    },
  },
];
