// The catalogues the product ships, by language code (`LANGUAGES` picks among them). English only today:
// see the README on who may write another.
import { type Catalogue, en } from "./en.js";

export type { Catalogue };

export const CATALOGUES: Readonly<Record<string, Catalogue>> = { en };
