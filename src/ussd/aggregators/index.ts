// Every aggregator the service answers, each at /ussd/<name>.
import type { UssdAggregator } from "../types.js";
import { africasTalking } from "./africastalking.js";
import { createArkesel } from "./arkesel.js";
import { hollatags } from "./hollatags.js";
import { hubtel } from "./hubtel.js";
import { createInfobip } from "./infobip.js";
import { createNalo } from "./nalo.js";
import { createTruRoute } from "./truroute.js";

/**
 * `serviceCodes` are our short codes (`*920*55#`): aggregators that send only the whole dial string need
 * them to tell our code from the inputs dialled after it (direct dial).
 */
export function aggregators(serviceCodes: string[]): UssdAggregator[] {
  const dial = { serviceCodes };
  return [
    africasTalking,
    hubtel,
    createNalo(dial),
    createArkesel(dial),
    createInfobip(dial),
    hollatags,
    createTruRoute(dial),
  ];
}
