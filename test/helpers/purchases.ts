// A quoted purchase as the ledger tests record it: an electricity sale of BWP 100.00 for one buyer.
import type { NewPurchase } from "../../src/purchases/ledger.js";

export const BUYER = "26771234567";

export function newPurchase(reference: string, overrides: Partial<NewPurchase> = {}): NewPurchase {
  return {
    reference,
    channel: "USSD",
    sessionId: `session-${reference}`,
    phone: BUYER,
    recipient: BUYER,
    productType: "ELECTRICITY",
    productName: "Electricity",
    subscriberLabel: "Meter Number",
    providerCode: "BPC",
    subscriberId: "04040404040",
    amount: "100.00",
    charge: "3.00",
    total: "103.00",
    currency: "BWP",
    customerName: "John Smith",
    sourceChannel: "USSD",
    ...overrides,
  };
}
