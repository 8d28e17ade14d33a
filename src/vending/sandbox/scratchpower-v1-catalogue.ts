// What the built-in ScratchPower v1 sandbox sells, and its test subscribers (SPEC section 7). The products
// have the keys and types of the `GET /v1/vas-products` example in
// ../shared/vendor-docs/scratchpower-getting-started.txt; electricity is that example, value for value.
// This directory is the only place the test numbers and names may appear: product code must work for any
// subscriber a real vendor accepts.

export interface SandboxProvider {
  code: string;
  name: string;
}

export interface SandboxProduct {
  product_type: "ELECTRICITY" | "AIRTIME" | "WATER";
  display_name: string;
  subscriber_id_label: string;
  subscriber_id_min_length: number;
  subscriber_id_max_length: number;
  subscriber_id_pattern: string;
  subscriber_id_hint: string | null;
  providers: SandboxProvider[];
}

export const SANDBOX_PRODUCTS: readonly SandboxProduct[] = [
  {
    product_type: "ELECTRICITY",
    display_name: "Electricity",
    subscriber_id_label: "Meter Number",
    subscriber_id_min_length: 11,
    subscriber_id_max_length: 13,
    subscriber_id_pattern: "^[0-9]{11,13}$",
    subscriber_id_hint: null,
    providers: [{ code: "BPC", name: "Botswana Power Corporation" }],
  },
  {
    product_type: "AIRTIME",
    display_name: "Airtime",
    subscriber_id_label: "Mobile number",
    subscriber_id_min_length: 11,
    subscriber_id_max_length: 11,
    subscriber_id_pattern: "^2677[0-9]{7}$",
    subscriber_id_hint: "Botswana mobile number, e.g. 26771234567",
    providers: [
      { code: "MASCOM", name: "Mascom" },
      { code: "ORANGE", name: "Orange" },
      { code: "BTC", name: "BTC" },
    ],
  },
  {
    product_type: "WATER",
    display_name: "Water",
    subscriber_id_label: "Water meter number",
    subscriber_id_min_length: 8,
    subscriber_id_max_length: 12,
    subscriber_id_pattern: "^[0-9]{8,12}$",
    subscriber_id_hint: "The 8 to 12 digits on your prepaid water meter",
    providers: [{ code: "WUC", name: "Water Utilities Corporation" }],
  },
];

/** Service charge per product, in cents (added on top when `charges_on_top_flag` is true). */
export const SANDBOX_CHARGE_CENTS: Record<SandboxProduct["product_type"], number> = {
  ELECTRICITY: 300,
  AIRTIME: 0,
  WATER: 200,
};

/** How a confirm for a test subscriber behaves. */
export type ConfirmBehaviour =
  | "succeed"
  /** Holds the response (`confirmHangMs`) although the sale succeeded; retry returns the token. */
  | "hang-then-succeed"
  /** Holds the response although the sale failed; retry answers 4xx. */
  | "hang-then-fail"
  /** Answers `PENDING` without a token; retry then returns the sale. */
  | "pending"
  | "insufficient-funds";

export interface SandboxSubscriber {
  name: string;
  /** Set when validate (and therefore confirm) must fail with this vendor message. */
  blockedMessage?: string;
  confirm: ConfirmBehaviour;
  /** The vendor's raw token field; absent for products without tokens. */
  token?: string;
  /** Fixed units text; when absent, electricity units scale with the amount. */
  units?: string;
}

/** Known meters, by product type then subscriber identifier. Other well-formed meters are "not found". */
export const SANDBOX_SUBSCRIBERS: Record<"ELECTRICITY" | "WATER", Record<string, SandboxSubscriber>> = {
  ELECTRICITY: {
    "04040404040": { name: "John Smith", confirm: "succeed", token: "0404 0404 0400 0000 0081" },
    "04040404198": {
      name: "Simon Sais",
      confirm: "succeed",
      token:
        "KeyChange Token1: 8190 1047 0212 0545 2032|KeyChange Token2: 8190 1047 0112 0545 2032|Credit Token: 0404 0404 1980 0000 1917",
    },
    "04040404011": {
      name: "Blocked Meter",
      confirm: "succeed",
      blockedMessage: "Meter 04040404011 is blocked. Contact BPC.",
    },
    "04040404022": { name: "Kagiso Molefe", confirm: "hang-then-succeed", token: "0404 0404 0220 0000 0022" },
    "04040404033": { name: "Neo Kgosi", confirm: "hang-then-fail" },
    "04040404044": { name: "Lesego Dube", confirm: "insufficient-funds" },
    "04040404066": { name: "Onalenna Ramotswa", confirm: "pending", token: "0404 0404 0660 0000 0066" },
    "0404040404013": { name: "Mpho Sechele", confirm: "succeed", token: "0404 0404 0401 3000 0013" },
  },
  WATER: {
    "1234567890": {
      name: "Mma Itumeleng",
      confirm: "succeed",
      token: "5678 1234 9012 3456 7890",
      units: "1500 L",
    },
  },
};

/**
 * Electricity units at the sandbox tariff, 8.1 kWh per BWP 100.00 of net amount: `"8.1 kWh"` as v1's
 * `product.units` prints it, or `"8.1kWh"` (`spaced` false) as the Current API's `electricity_units` does.
 */
export function electricityUnits(netCents: number, spaced = true): string {
  const tenths = Math.floor((netCents * 81) / 10_000);
  return `${Math.floor(tenths / 10)}.${tenths % 10}${spaced ? " " : ""}kWh`;
}
