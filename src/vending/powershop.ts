// Powershop.ng (Nigeria, NGN) behind the VendingClient port (SPEC section 2). Same rule as ScratchPower v1:
// a failure of a call that changes nothing is `rejected` or `unavailable`; a token generation without a
// definite answer is `ambiguous`, and only the transaction status request may settle it (SPEC section 6).
//
// Choices the vendor documents leave open (wire shapes: src/vending/sandbox/powershop.ts):
// - One product, ELECTRICITY, whose providers are the discos; our provider codes are upper case (AEDC) and
//   go on the wire lower case (`aedc`). Prepaid meters only.
// - `mobileNumber` is the beneficiary in Nigeria's local format (`08031234567`), which is how Nigerian
//   merchant APIs take phone numbers; a foreign number goes as `+<E.164 digits>`.
// - `amount` is a JSON number of naira (`1500.5`): the vendor's examples are bare numbers.
// - Powershop charges the merchant's wallet the face amount: charge "0.00", total = amount.
// - The quote's `referenceNumber` is our `vendorQuoteReference`: generation and status are keyed by it.

import type { CountryCode } from "libphonenumber-js";
import type { Logger } from "../log.js";
import { toE164Digits } from "../phone.js";
import { formatCents, toCents } from "./cents.js";
import {
  customerMessage,
  minimumPurchaseMessage,
  subscriberNotFoundMessage,
  type VendorFailureCause,
  vendorReasonForCustomer,
} from "./messages.js";
import { PowershopTokenManager } from "./powershop-auth.js";
import {
  belowMinimumDataSchema,
  type Envelope,
  envelopeSchema,
  generationDataSchema,
  PowershopCode,
  type StatusData,
  statusDataSchema,
  validationDataSchema,
  walletDataSchema,
} from "./powershop-wire.js";
import {
  type AccountBalance,
  type Product,
  type PurchaseRequest,
  type Quote,
  type Resolution,
  type Sale,
  type VendingClient,
  VendorError,
} from "./vendor.js";
import { sendVendorRequest } from "./vendor-http.js";

export type { PowershopCredentials } from "./powershop-auth.js";

export interface PowershopOptions {
  /** Base URL without `/v1`. */
  baseUrl: string;
  username: string;
  secret: string;
  /** Currency of quotes and messages (default `NGN`). */
  currency?: string;
  /** Deadline of every call except token generation (default 4000). */
  timeoutMs?: number;
  /** Deadline of token generation, the buy (default 30000). */
  generationTimeoutMs?: number;
  logger: Logger;
}

/** The discos Powershop sells for: our provider code, its wire name, and the name customers read. */
const DISCOS = [
  { code: "AEDC", wire: "aedc", name: "Abuja Electricity (AEDC)" },
  { code: "JED", wire: "jed", name: "Jos Electricity (JED)" },
  { code: "KEDCO", wire: "kedco", name: "Kano Electricity (KEDCO)" },
] as const;

const PRODUCT_TYPE = "ELECTRICITY";
const METER_LABEL = "Meter number";
const PHONE_REGION: CountryCode = "NG";

/** What one authorised call came to, before an operation decides what it means. */
type CallOutcome =
  /** The vendor answered with a readable `{ code }` envelope (HTTP 2xx, or 4xx with a non-zero code). */
  | { type: "answered"; envelope: Envelope; status: number }
  /** No usable answer; `status` when there was an HTTP answer at all. */
  | { type: "failed"; cause: VendorFailureCause; detail: string; status?: number }
  /** We could not even get a token: the request never left. */
  | { type: "not-sent"; error: VendorError };

export class PowershopClient implements VendingClient {
  private readonly tokens: PowershopTokenManager;
  private readonly log: Logger;
  private readonly currency: string;
  private readonly timeoutMs: number;
  private readonly generationTimeoutMs: number;

  constructor(private readonly options: PowershopOptions) {
    this.currency = options.currency ?? "NGN";
    this.timeoutMs = options.timeoutMs ?? 4000;
    this.generationTimeoutMs = options.generationTimeoutMs ?? 30_000;
    this.log = options.logger.child({ vendor: "powershop" });
    this.tokens = new PowershopTokenManager({
      baseUrl: options.baseUrl,
      credentials: { username: options.username, secret: options.secret },
      timeoutMs: this.timeoutMs,
      logger: options.logger,
    });
  }

  /** Powershop has no product list: prepaid electricity from the discos it serves. No call needed. */
  async products(): Promise<Product[]> {
    return [
      {
        type: PRODUCT_TYPE,
        name: "Electricity",
        subscriberLabel: METER_LABEL,
        subscriberMinLength: 11,
        subscriberMaxLength: 13,
        subscriberPattern: "^[0-9]{11,13}$",
        subscriberHint: "The 11 to 13 digits on your prepaid meter",
        providers: DISCOS.map(({ code, name }) => ({ code, name })),
        issuesToken: true,
        subscriberIsPhone: false,
      },
    ];
  }

  async quote(request: PurchaseRequest): Promise<Quote> {
    const disco = discoOf(request);
    const cents = amountCents(request.amount);
    const outcome = await this.call(
      "POST",
      "/v1/merchant/meter/validation/request",
      {
        meterNumber: request.subscriberId,
        meterType: "prepaid",
        mobileNumber: localMobileNumber(request.beneficiaryPhone),
        amount: wireAmount(cents),
        merchantReference: request.externalReference,
        disco,
      },
      this.timeoutMs,
    );
    const envelope = this.answerOf(outcome, "validation");
    const { code, message } = envelope;
    if (code === PowershopCode.OK) {
      const data = validationDataSchema.safeParse(envelope.data);
      if (!data.success) throw unavailable("bad_response", "validation: unexpected body");
      const total = data.data.amount ?? formatCents(cents);
      return {
        ...(data.data.customerName ? { customerName: data.data.customerName } : {}),
        vendorQuoteReference: data.data.referenceNumber,
        amount: total,
        charge: "0.00",
        total,
        currency: this.currency,
      };
    }
    this.log.info({ ref: request.externalReference, code }, "validation refused");
    switch (code) {
      case PowershopCode.BELOW_MINIMUM: {
        const minimum = belowMinimumDataSchema.safeParse(envelope.data);
        const text = minimumPurchaseMessage(this.currency, minimum.data?.minimumPurchase);
        throw new VendorError("rejected", text, "validation: below minimum purchase (605)", "amount");
      }
      case PowershopCode.NOT_FOUND:
        throw new VendorError(
          "rejected",
          subscriberNotFoundMessage(METER_LABEL),
          "validation: meter not found (606)",
          "subscriber",
        );
      case PowershopCode.FAILED_NETWORK:
        throw unavailable("network", "validation: vendor network failure (601)");
      case PowershopCode.INSUFFICIENT_FUNDS:
        throw new VendorError("rejected", customerMessage("insufficient_funds"), "validation: 600");
      default:
        throw new VendorError(
          "rejected",
          vendorReasonForCustomer(message ?? undefined, "declined"),
          `validation: code ${code}`,
        );
    }
  }

  async buy(request: PurchaseRequest): Promise<Sale> {
    const ref = request.externalReference;
    const referenceNumber = request.vendorQuoteReference;
    if (!referenceNumber) {
      // Generation names the validation; without it there is nothing we may send.
      throw new VendorError("rejected", customerMessage("invalid_request"), `buy ${ref}: no referenceNumber`);
    }
    const amount = wireAmount(amountCents(request.amount));
    const outcome = await this.call(
      "POST",
      "/v1/merchant/token/generation/request",
      { referenceNumber, amount },
      this.generationTimeoutMs,
    );
    const ambiguous = (detail: string) => {
      this.log.warn({ ref, referenceNumber, detail }, "token generation outcome unknown");
      return new VendorError("ambiguous", customerMessage("outcome_unknown"), `generation ${ref}: ${detail}`);
    };
    if (outcome.type === "not-sent") throw asNothingBought(outcome.error, `generation ${ref} not sent`);
    if (outcome.type === "failed") {
      // A 401 after a fresh token is the gateway refusing before any processing: nothing was bought.
      if (outcome.status === 401) throw asNothingBought(outcome, `generation ${ref} refused 401`);
      throw ambiguous(outcome.detail);
    }
    const { code } = outcome.envelope;
    const refused = (text: string) => {
      this.log.info({ ref, referenceNumber, code }, "token generation refused");
      return new VendorError("rejected", text, `generation ${ref}: code ${code}`);
    };
    switch (code) {
      case PowershopCode.OK: {
        const data = generationDataSchema.safeParse(outcome.envelope.data);
        if (!data.success) throw ambiguous("unreadable generation body");
        this.log.info({ ref, referenceNumber }, "token generated");
        return toSale(referenceNumber, data.data);
      }
      case PowershopCode.INSUFFICIENT_FUNDS:
        throw refused(customerMessage("insufficient_funds"));
      case PowershopCode.BELOW_MINIMUM: {
        const minimum = belowMinimumDataSchema.safeParse(outcome.envelope.data);
        throw refused(minimumPurchaseMessage(this.currency, minimum.data?.minimumPurchase));
      }
      case PowershopCode.NOT_FOUND:
        // The vendor does not know the validation: nothing can have been generated for it.
        throw refused(customerMessage("declined"));
      default:
        // 601 (failed at the disco's network), or a code we do not know (e.g. "already generated"): only the
        // status request can say whether a token was generated.
        throw ambiguous(`code ${code}`);
    }
  }

  async resolve(request: PurchaseRequest): Promise<Resolution> {
    const ref = request.externalReference;
    const referenceNumber = request.vendorQuoteReference;
    const stillUnknown = (detail: string) =>
      new VendorError("ambiguous", customerMessage("outcome_unknown"), `status ${ref}: ${detail}`);
    // Without the vendor's reference there is no way to ask: leave it to the operator, never guess.
    if (!referenceNumber) throw stillUnknown("no referenceNumber");
    let disco: string;
    try {
      disco = discoOf(request);
    } catch (error) {
      throw stillUnknown((error as Error).message);
    }
    const outcome = await this.call(
      "POST",
      "/v1/merchant/transaction/status/request",
      { referenceNumber, disco },
      this.timeoutMs,
    );
    if (outcome.type === "not-sent") throw stillUnknown(outcome.error.message);
    if (outcome.type === "failed") throw stillUnknown(outcome.detail);
    const { code } = outcome.envelope;
    switch (code) {
      case PowershopCode.OK: {
        const data = statusDataSchema.safeParse(outcome.envelope.data);
        if (!data.success) throw stillUnknown("unreadable status body");
        return this.resolutionOf(ref, referenceNumber, data.data, stillUnknown);
      }
      case PowershopCode.NOT_FOUND:
        this.log.info({ ref, referenceNumber }, "status: transaction not found or failed");
        return { status: "FAILED", reason: customerMessage("declined") };
      case PowershopCode.INSUFFICIENT_FUNDS:
        return { status: "FAILED", reason: customerMessage("insufficient_funds") };
      default:
        throw stillUnknown(`code ${code}`);
    }
  }

  async balance(): Promise<AccountBalance> {
    const outcome = await this.call("GET", "/v1/merchant/wallet-balance/request", undefined, this.timeoutMs);
    const envelope = this.answerOf(outcome, "wallet balance");
    if (envelope.code !== PowershopCode.OK) {
      throw unavailable("declined", `wallet balance: code ${envelope.code}`);
    }
    const data = walletDataSchema.safeParse(envelope.data);
    if (!data.success) throw unavailable("bad_response", "wallet balance: unexpected body");
    return {
      // Powershop has one wallet per merchant login; its id when given, else the login names it.
      accountId: data.data.walletId ?? this.options.username,
      balance: data.data.balance,
      currency: data.data.currency ?? this.currency,
    };
  }

  private resolutionOf(
    ref: string,
    referenceNumber: string,
    data: StatusData,
    stillUnknown: (detail: string) => VendorError,
  ): Resolution {
    const status = data.status.toUpperCase();
    if (SUCCESS_STATUSES.has(status)) {
      // Sold without a token is of no use to the customer: keep asking, then the operator decides.
      if (!data.token) throw stillUnknown(`status ${status} without a token`);
      this.log.info({ ref, referenceNumber }, "status: transaction successful");
      return {
        status: "SUCCESSFUL",
        sale: toSale(referenceNumber, { token: data.token, units: data.units }),
      };
    }
    if (FAILURE_STATUSES.has(status)) {
      this.log.info({ ref, referenceNumber, status }, "status: transaction failed");
      return { status: "FAILED", reason: customerMessage("declined") };
    }
    throw stillUnknown(`status ${status}`);
  }

  /** For calls that change nothing: the vendor's envelope, else `unavailable`. */
  private answerOf(outcome: CallOutcome, what: string): Envelope {
    if (outcome.type === "not-sent") throw outcome.error;
    if (outcome.type === "failed") throw unavailable(outcome.cause, `${what}: ${outcome.detail}`);
    return outcome.envelope;
  }

  /** One authorised call; after a 401 it requests a fresh token and sends once more. */
  private async call(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    timeoutMs: number,
  ): Promise<CallOutcome> {
    let token: string;
    try {
      token = await this.tokens.accessToken();
    } catch (error) {
      return { type: "not-sent", error: asVendorError(error) };
    }
    const url = `${this.options.baseUrl}${path}`;
    const startedAt = Date.now();
    let result = await sendVendorRequest({ method, url, body, bearer: token, timeoutMs });
    if (result.kind === "answered" && result.status === 401) {
      // The gateway refused the request before any processing, so sending it again cannot do anything twice.
      this.log.info({ path }, "vendor answered 401; requesting a new token");
      try {
        token = await this.tokens.tokenAfterUnauthorized(token);
      } catch (error) {
        return { type: "failed", cause: "login_failed", detail: asVendorError(error).message, status: 401 };
      }
      result = await sendVendorRequest({ method, url, body, bearer: token, timeoutMs });
    }
    const ms = Date.now() - startedAt;
    if (result.kind === "no-answer") {
      this.log.warn({ path, ms, cause: result.cause, detail: result.detail }, "vendor call got no answer");
      return { type: "failed", cause: result.cause, detail: result.detail };
    }
    this.log.debug({ path, ms, status: result.status }, "vendor call");
    return classifyAnswer(result.status, result.body);
  }
}

const SUCCESS_STATUSES = new Set(["SUCCESSFUL", "SUCCESS", "COMPLETED"]);
const FAILURE_STATUSES = new Set(["FAILED", "FAILURE", "REVERSED", "DECLINED"]);

function classifyAnswer(status: number, body: unknown): CallOutcome {
  const failed = (cause: VendorFailureCause): CallOutcome => ({
    type: "failed",
    cause,
    detail: `HTTP ${status}`,
    status,
  });
  if (status === 401) return failed("login_failed");
  if (status === 408) return failed("timeout");
  if (status === 429) return failed("busy");
  if (status < 200 || (status >= 300 && status < 400) || status >= 500) return failed("server_error");
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return failed("bad_response");
  // "OK" under an error status contradicts itself: not an answer we can act on.
  if (status >= 400 && envelope.data.code === PowershopCode.OK) return failed("bad_response");
  return { type: "answered", envelope: envelope.data, status };
}

/** The disco's wire name for the request's provider; refuses (nothing sent) one Powershop does not serve. */
function discoOf(request: PurchaseRequest): string {
  const disco = DISCOS.find((candidate) => candidate.code === request.providerCode.toUpperCase());
  if (request.productType !== PRODUCT_TYPE || !disco) {
    throw new VendorError(
      "rejected",
      customerMessage("invalid_request"),
      `not sold by Powershop: ${request.productType}/${request.providerCode}`,
    );
  }
  return disco.wire;
}

/** A positive amount in kobo; refuses (nothing sent) anything else. */
function amountCents(amount: string): number {
  const cents = toCents(amount);
  if (cents === undefined || cents === 0) {
    throw new VendorError("rejected", customerMessage("invalid_request"), `bad amount ${amount}`);
  }
  return cents;
}

/** 150050 → 1500.5: naira as a JSON number (two decimals at most, so its JSON text stays exact). */
function wireAmount(cents: number): number {
  return Number(formatCents(cents));
}

/** E.164 digits (`2348031234567`) → Nigeria's local format (`08031234567`); a foreign number → `+<digits>`. */
export function localMobileNumber(beneficiaryPhone: string): string {
  const digits = toE164Digits(beneficiaryPhone, PHONE_REGION);
  if (!digits) return beneficiaryPhone;
  return digits.startsWith("234") ? `0${digits.slice(3)}` : `+${digits}`;
}

function toSale(referenceNumber: string, data: { token: string; units?: string | null }): Sale {
  return {
    vendorReference: referenceNumber,
    token: data.token,
    ...(data.units ? { units: data.units } : {}),
  };
}

function unavailable(cause: VendorFailureCause, detail: string): VendorError {
  return new VendorError("unavailable", customerMessage(cause), detail);
}

function asVendorError(error: unknown): VendorError {
  if (error instanceof VendorError) return error;
  return unavailable("network", (error as Error)?.message ?? String(error));
}

/** The generation never reached the vendor's business logic: a definite "nothing bought". */
function asNothingBought(cause: unknown, detail: string): VendorError {
  const message = cause instanceof VendorError ? cause.customerMessage : customerMessage("login_failed");
  return new VendorError("rejected", message, detail);
}
