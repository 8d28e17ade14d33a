// The vending port: everything the channels and the purchase pipeline may ask of a vendor.
// Each vendor API (ScratchPower v1, later Current API and Powershop) is one adapter behind it.

import { en } from "../../machines/copy/en.js";
import type { Product, VendorFailure } from "../../machines/purchase/rules.js";

/** The vendor's products are the journey's: one domain type (machines/purchase/rules.ts). */
export type { Product };

/** What a quote and a buy are made of. Amounts are decimal strings ("100.00"), never floats. */
export interface PurchaseRequest {
  productType: string;
  providerCode: string;
  subscriberId: string;
  amount: string;
  /** E.164 digits without `+` (e.g. `26771436390`): the phone that receives the token SMS. */
  beneficiaryPhone: string;
  /** Our own reference, unique per purchase; the key for retry/status. */
  externalReference: string;
  /** Vendor channel name, e.g. `USSD`. */
  sourceChannel: string;
  /**
   * The vendor's own reference from the quote, for vendors whose buy names the quote (Powershop's
   * `referenceNumber`); absent when quoting (and for vendors keyed by our externalReference alone).
   */
  vendorQuoteReference?: string;
}

export interface Quote {
  /** Verified customer name, when the vendor returns one. */
  customerName?: string;
  /** The vendor's reference for this quote, passed back on buy and resolve (see PurchaseRequest). */
  vendorQuoteReference?: string;
  /** A second vendor id of the quote, kept for the operator (Powershop's `transactionId`). */
  vendorTransactionId?: string;
  amount: string;
  charge: string;
  total: string;
  currency: string;
}

export interface Sale {
  /** The vendor's operation id (ScratchPower `id`). */
  vendorTransactionId?: string;
  /** The vendor's human-readable reference (ScratchPower `reference`, e.g. `TOP/2026/05/1871610007`). */
  vendorReference?: string;
  /** The utility's own reference (ScratchPower `metadata.provider_transaction_identifier`). */
  providerReference?: string;
  /** The vendor's raw token field (bare token or `|`-separated `Description: Token` pairs); absent for airtime. */
  token?: string;
  units?: string;
}

/** Outcome of asking the vendor about an earlier, ambiguous buy. */
export type Resolution = { status: "SUCCESSFUL"; sale: Sale } | { status: "FAILED"; failure: VendorFailure };

export interface AccountBalance {
  accountId: string;
  balance?: string;
  currency?: string;
}

export interface VendingClient {
  products(): Promise<Product[]>;
  quote(request: PurchaseRequest): Promise<Quote>;
  /** Sends the non-idempotent buy. Callers must guarantee it is called at most once per externalReference. */
  buy(request: PurchaseRequest): Promise<Sale>;
  /** Asks whether an ambiguous buy happened. Throws a VendorError of kind `ambiguous` while still unknown. */
  resolve(request: PurchaseRequest): Promise<Resolution>;
  balance(): Promise<AccountBalance>;
}

/**
 * - `rejected`: the vendor answered and said no (blocked meter, insufficient funds): definite, nothing bought.
 * - `unavailable`: no usable answer to a call that changes nothing (login, products, quote): safe to try again.
 * - `ambiguous`: no usable answer to a call that may have changed something (buy, resolve): outcome unknown.
 */
export type VendorErrorKind = "rejected" | "unavailable" | "ambiguous";

/** The journey step whose input the vendor refused, so the customer can correct just that. */
export type RefusedInput = "subscriber" | "amount";

export class VendorError extends Error {
  constructor(
    readonly kind: VendorErrorKind,
    /** Why, as a cause (and the vendor's own reason when usable): each channel picks the words. */
    readonly failure: VendorFailure,
    /** Operator-facing detail for logs (never contains secrets). */
    detail?: string,
    /** Set on a `rejected` quote when one input caused it (e.g. below the vendor's minimum amount). */
    readonly refusedInput?: RefusedInput,
  ) {
    super(detail ?? failure.cause);
    this.name = "VendorError";
  }

  /** The failure in English: for the ledger's failure reason and for logs. */
  get customerMessage(): string {
    return en.vendorFailure(this.failure);
  }
}
