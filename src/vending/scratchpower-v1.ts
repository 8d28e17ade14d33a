// ScratchPower v1 behind the VendingClient port (SPEC section 2). The rule that shapes every mapping below:
// a failure of a call that changes nothing is `rejected` or `unavailable`; a buy (or its recovery) without a
// definite answer is `ambiguous`, and only retry may settle it (SPEC section 6).

import type { z } from "zod";
import { formatCents, toCents } from "../../machines/purchase/money.js";
import type { Logger } from "../log.js";
import { type ScratchPowerCredentials, scratchPowerTokens } from "./auth.js";
import { failure, type VendorFailureCause, vendorReason } from "./messages.js";
import { productListSchema, productSchema, quoteEnvelopeSchema } from "./scratchpower-v1-wire.js";
import {
  accountIdForWire,
  accountsSchema,
  balanceText,
  issuesToken,
  missingFields,
  readErrorBody,
  readSale,
} from "./scratchpower-wire.js";
import { sharedLookup } from "./shared-lookup.js";
import type { TokenCache } from "./token-cache.js";
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

export type { ScratchPowerCredentials } from "./auth.js";

export interface ScratchPowerV1Options {
  /** Base URL without `/v1`, e.g. `https://api.scratchpower.com`. */
  baseUrl: string;
  credentials: ScratchPowerCredentials;
  /** Account to debit; default: the first of `GET /v1/accounts`. */
  accountId?: string;
  /** Sent as `language` (default `en-BW`). */
  locale?: string;
  /** Sent as `currency` (default `BWP`). */
  currency?: string;
  /** Deadline of every call except confirm (default 4000). */
  timeoutMs?: number;
  /** Deadline of confirm (default 30000). */
  confirmTimeoutMs?: number;
  /** How long the product list is reused (default 5 minutes). */
  productsTtlMs?: number;
  /** Current API only: `source_tag`, a free-form gateway/source identifier (default `USSD`). */
  sourceTag?: string;
  /** Current API only: IANA time zone of the `date` field (default `Africa/Gaborone`). */
  timeZone?: string;
  logger: Logger;
}

/** What one authorised call came to, before an operation decides what it means for the customer. */
type CallOutcome =
  | { type: "ok"; body: unknown }
  /** The vendor answered 4xx (other than 401, 408, 429): a business answer, with its reason when readable. */
  | { type: "refused"; status: number; reason?: string; code?: string }
  /** No usable answer; `status` when there was an HTTP answer at all. */
  | { type: "failed"; cause: VendorFailureCause; detail: string; status?: number }
  /** We could not even get a token: the request never left. */
  | { type: "not-sent"; error: VendorError };

export class ScratchPowerV1Client implements VendingClient {
  private readonly tokens: TokenCache;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly confirmTimeoutMs: number;
  private readonly productsTtlMs: number;
  private readonly language: string;
  private readonly currency: string;
  /** Built once: a zod schema is dear to build (it compiles), and the currency never changes. */
  private readonly quoteSchema: ReturnType<typeof quoteEnvelopeSchema>;
  private productCache?: { products: Product[]; fetchedAt: number };
  private productFetch?: Promise<Product[]>;

  constructor(private readonly options: ScratchPowerV1Options) {
    this.timeoutMs = options.timeoutMs ?? 4000;
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 30_000;
    this.productsTtlMs = options.productsTtlMs ?? 5 * 60_000;
    this.language = options.locale ?? "en-BW";
    this.currency = options.currency ?? "BWP";
    this.quoteSchema = quoteEnvelopeSchema(this.currency);
    this.log = options.logger.child({ vendor: "scratchpower-v1" });
    this.tokens = scratchPowerTokens({
      baseUrl: options.baseUrl,
      credentials: options.credentials,
      timeoutMs: this.timeoutMs,
      logger: options.logger,
    });
  }

  /** Cached for `productsTtlMs`; concurrent callers share one fetch; a stale list beats no menu. */
  async products(): Promise<Product[]> {
    const cached = this.productCache;
    if (cached && Date.now() - cached.fetchedAt < this.productsTtlMs) return cached.products;
    if (!this.productFetch) {
      this.productFetch = this.fetchProducts().finally(() => {
        this.productFetch = undefined;
      });
    }
    try {
      return await this.productFetch;
    } catch (error) {
      if (!cached) throw error;
      this.log.warn({ err: (error as Error).message }, "serving stale product list");
      return cached.products;
    }
  }

  async quote(request: PurchaseRequest): Promise<Quote> {
    const payload = this.purchasePayload(request, await this.debitAccountId());
    const outcome = await this.call("POST", "/v1/purchases/validate", payload, this.timeoutMs);
    const envelope = this.readBody(outcome, this.quoteSchema, "validate");
    if (envelope.status === "FAILED") {
      throw new VendorError("rejected", failure("declined"), "validate status FAILED");
    }
    return {
      ...(envelope.subscriber_details ? { customerName: envelope.subscriber_details } : {}),
      // `entry` is the amount entered; with charges on top `net` equals it too.
      amount: envelope.entry ?? envelope.net ?? formatCents(toCents(request.amount) ?? 0),
      charge: envelope.charge,
      total: envelope.total,
      currency: this.currency,
    };
  }

  async buy(request: PurchaseRequest): Promise<Sale> {
    const ref = request.externalReference;
    let accountId: string;
    try {
      accountId = await this.debitAccountId();
    } catch (error) {
      throw asNothingBought(error, "confirm not sent: no debit account");
    }
    const payload = this.purchasePayload(request, accountId);
    // Sent once, 401 included: the token manager does not send it again after a 401.
    const outcome = await this.call("POST", "/v1/purchases/confirm", payload, this.confirmTimeoutMs, true);
    const ambiguous = (detail: string) => {
      this.log.warn({ ref, detail }, "confirm outcome unknown");
      return new VendorError("ambiguous", failure("outcome_unknown"), `confirm ${ref}: ${detail}`);
    };
    switch (outcome.type) {
      case "not-sent":
        throw asNothingBought(outcome.error, "confirm not sent: no session");
      case "failed":
        // A 401 is the gateway refusing our token before any processing: nothing was bought.
        if (outcome.status === 401) throw asNothingBought(outcome, "confirm refused 401");
        throw ambiguous(outcome.detail);
      case "refused":
        // A duplicate reference means an earlier confirm may have sold: only retry can tell.
        if (outcome.status === 409) throw ambiguous(`HTTP 409 ${outcome.code ?? ""}`.trim());
        this.log.info({ ref, status: outcome.status, code: outcome.code }, "confirm refused");
        throw new VendorError(
          "rejected",
          vendorReason(outcome.reason, "declined"),
          `confirm ${ref}: HTTP ${outcome.status}`,
        );
      case "ok": {
        const reading = readSale(outcome.body, request);
        if (reading.kind === "unknown") throw ambiguous(reading.detail);
        if (reading.kind === "failed") {
          this.log.info({ ref }, "confirm FAILED");
          throw new VendorError("rejected", failure("declined"), `confirm ${ref}: FAILED`);
        }
        this.log.info({ ref }, "confirm successful");
        return reading.sale;
      }
    }
  }

  async resolve(request: PurchaseRequest): Promise<Resolution> {
    const ref = request.externalReference;
    const outcome = await this.call(
      "POST",
      "/v1/purchases/retry",
      {
        source_channel: request.sourceChannel,
        language: this.language,
        subscriber_identifier: request.subscriberId,
        external_reference: ref,
      },
      this.timeoutMs,
    );
    const stillUnknown = (detail: string) =>
      new VendorError("ambiguous", failure("outcome_unknown"), `retry ${ref}: ${detail}`);
    switch (outcome.type) {
      case "not-sent":
        throw stillUnknown(outcome.error.message);
      case "failed":
        throw stillUnknown(outcome.detail);
      case "refused":
        // The document: "A 400-class error response means the transaction genuinely failed", whatever its body.
        this.log.info({ ref, status: outcome.status, code: outcome.code }, "retry: purchase failed");
        return { status: "FAILED", failure: vendorReason(outcome.reason, "declined") };
      case "ok": {
        const reading = readSale(outcome.body, request);
        if (reading.kind === "unknown") throw stillUnknown(reading.detail);
        if (reading.kind === "failed") return { status: "FAILED", failure: failure("declined") };
        this.log.info({ ref }, "retry: purchase successful");
        return { status: "SUCCESSFUL", sale: reading.sale };
      }
    }
  }

  async balance(): Promise<AccountBalance> {
    const accounts = await this.fetchAccounts();
    const accountId = this.options.accountId ?? accounts[0]?.id;
    if (!accountId) throw unavailable("bad_response", "no vendor accounts");
    const account = accounts.find((candidate) => candidate.id === accountId);
    const balance = balanceText(account?.balance, this.currency);
    return {
      accountId,
      ...(balance === undefined ? {} : { balance, currency: this.currency }),
    };
  }

  private async fetchProducts(): Promise<Product[]> {
    const outcome = await this.call("GET", "/v1/vas-products", undefined, this.timeoutMs);
    const list = this.readBody(outcome, productListSchema, "vas-products");
    const products: Product[] = [];
    for (const entry of list) {
      const parsed = productSchema.safeParse(entry);
      if (parsed.success) products.push(toProduct(parsed.data));
      else this.log.warn({ missing: missingFields(parsed.error) }, "skipping unreadable vendor product");
    }
    if (products.length === 0) throw unavailable("bad_response", "vendor listed no usable products");
    this.productCache = { products, fetchedAt: Date.now() };
    return products;
  }

  private async fetchAccounts() {
    const outcome = await this.call("GET", "/v1/accounts", undefined, this.timeoutMs);
    return this.readBody(outcome, accountsSchema, "accounts");
  }

  /** The configured account, else the first the vendor lists (looked up once; a failure is not kept). */
  private readonly debitAccountId = sharedLookup(async () => {
    if (this.options.accountId) return this.options.accountId;
    const first = (await this.fetchAccounts())[0];
    if (!first) throw unavailable("bad_response", "no vendor accounts");
    return first.id;
  });

  private purchasePayload(request: PurchaseRequest, accountId: string) {
    const cents = toCents(request.amount);
    if (cents === undefined || cents === 0) {
      throw new VendorError("rejected", failure("invalid_request"), `bad amount ${request.amount}`);
    }
    return {
      source_channel: request.sourceChannel,
      language: this.language,
      product_type: request.productType,
      provider_code: request.providerCode,
      // The field table types these as integer and number.
      debited_account_id: accountIdForWire(accountId),
      beneficiary_phone_number: request.beneficiaryPhone,
      subscriber_identifier: request.subscriberId,
      amount: cents / 100,
      currency: this.currency,
      charges_on_top_flag: true,
      external_reference: request.externalReference,
    };
  }

  /** For calls that change nothing: a body of the expected shape, else `rejected` or `unavailable`. */
  private readBody<T>(outcome: CallOutcome, schema: z.ZodType<T>, what: string): T {
    switch (outcome.type) {
      case "not-sent":
        throw outcome.error;
      case "failed":
        throw unavailable(outcome.cause, `${what}: ${outcome.detail}`);
      case "refused":
        throw new VendorError("rejected", vendorReason(outcome.reason, "declined"), `${what} refused`);
      case "ok": {
        const parsed = schema.safeParse(outcome.body);
        if (!parsed.success) {
          const missing = missingFields(parsed.error);
          this.log.warn({ endpoint: what, missing }, "unreadable vendor answer");
          throw unavailable("bad_response", `${what}: unreadable body (${missing})`);
        }
        return parsed.data;
      }
    }
  }

  /** One authorised call; the token manager logs in afresh and sends once more after a 401. */
  private async call(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    timeoutMs: number,
    once = false,
  ): Promise<CallOutcome> {
    const startedAt = Date.now();
    const url = `${this.options.baseUrl}${path}`;
    const result = await this.tokens.send({ method, url, body, timeoutMs }, { resendAfter401: !once });
    const ms = Date.now() - startedAt;
    if (result.kind === "no-session") return { type: "not-sent", error: result.error };
    if (result.kind === "no-answer") {
      this.log.warn({ path, ms, cause: result.cause, detail: result.detail }, "vendor call got no answer");
      return { type: "failed", cause: result.cause, detail: result.detail };
    }
    this.log.debug({ path, ms, status: result.status }, "vendor call");
    return classifyAnswer(result.status, result.body);
  }
}

function classifyAnswer(status: number, body: unknown): CallOutcome {
  if (status >= 200 && status < 300) return { type: "ok", body };
  const failed = (cause: VendorFailureCause): CallOutcome => ({
    type: "failed",
    cause,
    detail: `HTTP ${status}`,
    status,
  });
  if (status === 401) return failed("login_failed");
  if (status === 408) return failed("timeout");
  if (status === 429) return failed("busy");
  if (status < 400 || status >= 500) return failed("server_error");
  const { reason, code } = readErrorBody(body);
  return { type: "refused", status, ...(reason ? { reason } : {}), ...(code ? { code } : {}) };
}

function toProduct(raw: z.infer<typeof productSchema>): Product {
  const tokens = issuesToken(raw.product_type);
  return {
    type: raw.product_type,
    name: raw.display_name,
    subscriberLabel: raw.subscriber_id_label,
    subscriberMinLength: raw.subscriber_id_min_length,
    subscriberMaxLength: raw.subscriber_id_max_length,
    subscriberPattern: raw.subscriber_id_pattern ?? "",
    subscriberHint: raw.subscriber_id_hint ?? lengthHint(raw),
    providers: raw.providers.map(({ code, name }) => ({ code, name })),
    issuesToken: tokens,
    // Airtime is bought for a phone number, so "my number" can be offered.
    subscriberIsPhone: !tokens,
  };
}

/**
 * The hint the getting-started document suggests when the vendor gives none ("11–13 digits"), from the
 * product's lengths; "digits" only when its pattern accepts digits alone.
 */
function lengthHint(raw: z.infer<typeof productSchema>): string {
  const digitsOnly = /^\^?(\[0-9\]|\\d)(\{\d+(,\d*)?\}|\+)\$?$/.test(raw.subscriber_id_pattern ?? "");
  const unit = digitsOnly ? "digits" : "characters";
  const min = raw.subscriber_id_min_length;
  const max = raw.subscriber_id_max_length;
  return min === max ? `${min} ${unit}` : `${min}-${max} ${unit}`;
}

function unavailable(cause: VendorFailureCause, detail: string): VendorError {
  return new VendorError("unavailable", failure(cause), detail);
}

/** The confirm never reached the vendor's business logic: a definite "nothing bought". */
function asNothingBought(cause: unknown, detail: string): VendorError {
  const why = cause instanceof VendorError ? cause.failure : failure("login_failed");
  return new VendorError("rejected", why, detail);
}
