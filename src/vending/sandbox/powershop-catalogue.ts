// The built-in Powershop.ng sandbox's credentials, discos and test meters (SPEC section 7). Like the
// ScratchPower catalogue, this directory is the only place test numbers and names may appear: product code
// must work for any meter a real vendor accepts.

export const POWERSHOP_SANDBOX_CREDENTIALS = {
  username: "sandbox-merchant",
  secret: "sandbox-secret",
} as const;

/** The discos Powershop names on the wire. */
export const POWERSHOP_DISCOS = ["aedc", "jed", "kedco"] as const;
export type PowershopDisco = (typeof POWERSHOP_DISCOS)[number];

/** Minimum purchase of every meter without its own (kobo): NGN 100.00. */
export const DEFAULT_MINIMUM_CENTS = 10_000;

/** What a token generation for a test meter does. */
export type GenerationBehaviour =
  | "succeed"
  /** Answers 600: the merchant's wallet cannot cover it. */
  | "insufficient-funds"
  /** Answers 601: the disco's network failed; nothing generated (status then answers 606). */
  | "network-failure"
  /** Holds the response (`generationHangMs`) although the token was generated; status returns it. */
  | "hang-then-succeed"
  /** Holds the response although generation failed; status answers 606. */
  | "hang-then-fail"
  /** Holds the response; status answers code 0 without a token until the hang is over, then the token. */
  | "pending-then-succeed";

export interface SandboxMeter {
  customerName: string;
  /** The document's example sends `""`; absent means the same. */
  customerAddress?: string;
  /** Kobo; DEFAULT_MINIMUM_CENTS when absent. */
  minimumCents?: number;
  /** Set when the validation itself must answer 601. */
  validationFails?: true;
  generation: GenerationBehaviour;
  token?: string;
}

/**
 * Test meters (prepaid), valid in every disco. Any other meter answers 606 "not found".
 *
 * | meter           | behaviour                                                                      |
 * |-----------------|--------------------------------------------------------------------------------|
 * | `45700000001`   | "Aisha Bello", single token                                                    |
 * | `45700001000`   | "Chinedu Okafor", minimumPurchase NGN 1,000.00; a generation for less: 605     |
 * | `45700000600`   | "Ngozi Eze", generation answers 600 insufficient funds                         |
 * | `45700000601`   | validation answers 601 (disco network down)                                    |
 * | `45700000611`   | "Tunde Bakare", generation answers 601; status then 606                        |
 * | `0101570000022` | "Emeka Obi", generation hangs but succeeded; status returns the token          |
 * | `0101570000033` | "Halima Musa", generation hangs and failed; status answers 606                 |
 * | `0101570000044` | "Ifeoma Nwosu", generation hangs; status has no token until the hang ends       |
 */
export const SANDBOX_METERS: Readonly<Record<string, SandboxMeter>> = {
  "45700000001": {
    customerName: "Aisha Bello",
    customerAddress: "12 Ahmadu Bello Way, Kano",
    generation: "succeed",
    token: "4570 0000 0010 0000 0001",
  },
  "45700001000": {
    customerName: "Chinedu Okafor",
    minimumCents: 100_000,
    generation: "succeed",
    token: "4570 0001 0000 0000 1000",
  },
  "45700000600": { customerName: "Ngozi Eze", generation: "insufficient-funds" },
  "45700000601": { customerName: "Unreachable Disco", validationFails: true, generation: "succeed" },
  "45700000611": { customerName: "Tunde Bakare", generation: "network-failure" },
  "0101570000022": {
    customerName: "Emeka Obi",
    generation: "hang-then-succeed",
    token: "0101 5700 0002 2000 0022",
  },
  "0101570000033": { customerName: "Halima Musa", generation: "hang-then-fail" },
  "0101570000044": {
    customerName: "Ifeoma Nwosu",
    generation: "pending-then-succeed",
    token: "0101 5700 0004 4000 0044",
  },
};
