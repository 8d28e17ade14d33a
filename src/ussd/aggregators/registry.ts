// The one list of aggregators. Each entry's name is its route (`/ussd/<name>`) and the <NAME> of its webhook
// security variables (`USSD_<NAME>_SECRET|ALLOW_IPS|BASIC_AUTH`); config.ts, routes.ts and app.ts all read
// this list, so an aggregator cannot be served without its guard. Adding one: its file, one line here, its
// tests.
import type { UssdAggregator } from "../types.js";
import { africasTalking } from "./africastalking.js";
import { createArkesel } from "./arkesel.js";
import type { DialOptions } from "./dial.js";
import { hollatags } from "./hollatags.js";
import { hubtel } from "./hubtel.js";
import { createInfobip } from "./infobip.js";
import { createNalo } from "./nalo.js";
import { createTruRoute } from "./truroute.js";

export interface AggregatorEntry {
  /** Characters per screen in GSM-7 (a screen that needs UCS-2 is held to 80 whatever this says). */
  screenLimit: number;
  /** Builds the adapter; `dial` carries our service codes, for those that only send the whole dial string. */
  create(dial: DialOptions): UssdAggregator;
}

export const AGGREGATORS = {
  africastalking: { screenLimit: 182, create: () => africasTalking },
  // The reference gives no Hubtel figure: the GSM-7 USSD maximum.
  hubtel: { screenLimit: 182, create: () => hubtel },
  // Nalo caps USERDATA and MSG at 120 characters.
  nalo: { screenLimit: 120, create: createNalo },
  // The reference gives no Arkesel figure: the GSM-7 USSD maximum.
  arkesel: { screenLimit: 182, create: createArkesel },
  // Infobip describes USSD screens as up to 182 characters.
  infobip: { screenLimit: 182, create: createInfobip },
  // HollaTags caps session_msg at 160 characters.
  hollatags: { screenLimit: 160, create: () => hollatags },
  // The reference gives no TruRoute figure: the GSM-7 USSD maximum.
  truroute: { screenLimit: 182, create: createTruRoute },
} as const satisfies Record<string, AggregatorEntry>;

export type AggregatorName = keyof typeof AGGREGATORS;

export const AGGREGATOR_NAMES = Object.keys(AGGREGATORS) as AggregatorName[];

/** An adapter ready to mount: its registered name and screen limit beside the wire format. */
export interface RegisteredAggregator {
  name: AggregatorName;
  screenLimit: number;
  adapter: UssdAggregator;
}

/** Every registered aggregator, built; `serviceCodes` are our short codes (`*920*55#`). */
export function registeredAggregators(serviceCodes: readonly string[]): RegisteredAggregator[] {
  return AGGREGATOR_NAMES.map((name) => ({
    name,
    screenLimit: AGGREGATORS[name].screenLimit,
    adapter: AGGREGATORS[name].create({ serviceCodes }),
  }));
}
