// ScratchPower v1 behind the VendingClient port (SPEC section 2). The rule that shapes every mapping below:
// a failure of a call that changes nothing is `rejected` or `unavailable`; a buy (or its recovery) without a
// definite answer is `ambiguous`, and only retry may settle it (SPEC section 6).

import type { z } from "zod";
import type { Logger } from "../log.js";
import { type ScratchPowerCredentials, ScratchPowerTokenManager } from "./auth.js";
import { formatCents, toCents } from "./cents.js";
import { customerMessage, type VendorFailureCause, vendorReasonForCustomer } from "./messages.js";
import {
  accountListSchema,
  errorBodySchema,
  productListSchema,
  productSchema,
  type TransactionEnvelope,
  transactionEnvelopeSchema,
} from "./scratchpower-v1-wire.js";
import { sharedLookup } from "./shared-lookup.js";
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
  logger: Logger;
}

/** What one authorised call came to, before an operation decides what it means for the customer. */
type CallOutcome =
  | { type: "ok"; body: unknown }
  /** The vendor answered 4xx with a readable reason: a business answer. */
  | { type: "refused"; status: number; reason: string; code?: string }
  /** No usable answer; `status` when there was an HTTP answer at all. */
  | { type: "failed"; cause: VendorFailureCause; detail: string; status?: number }
  /** We could not even get a token: the request never left. */
  | { type: "not-sent"; error: VendorError };

/** 4xx answers to retry that say nothing about the purchase (our request or session was the problem). */
const RETRY_NOT_ABOUT_PURCHASE = new Set([400, 403, 409]);

export class ScratchPowerV1Client implements VendingClient {
  private readonly tokens: ScratchPowerTokenManager;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly confirmTimeoutMs: number;
  private readonly productsTtlMs: number;
  private readonly language: string;
  private readonly currency: string;
  private productCache?: { products: Product[]; fetchedAt: number };
  private productFetch?: Promise<Product[]>;

  constructor(private readonly options: ScratchPowerV1Options) {
    this.timeoutMs = options.timeoutMs ?? 4000;
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 30_000;
    this.productsTtlMs = options.productsTtlMs ?? 5 * 60_000;
    this.language = options.locale ?? "en-BW";
    this.currency = options.currency ?? "BWP";
    this.log = options.logger.child({ vendor: "scratchpower-v1" });
    this.tokens = new ScratchPowerTokenManager({
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
    const envelope = this.readBody(outcome, transactionEnvelopeSchema, "validate");
    const { data } = envelope;
    return {
      ...(data.subscriber_details?.name ? { customerName: data.subscriber_details.name } : {}),
      amount: data.amount,
      charge: data.charge,
      total: data.total,
      currency: data.currency,
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
    const outcome = await this.call("POST", "/v1/purchases/confirm", payload, this.confirmTimeoutMs);
    const ambiguous = (detail: string) => {
      this.log.warn({ ref, detail }, "confirm outcome unknown");
      return new VendorError("ambiguous", customerMessage("outcome_unknown"), `confirm ${ref}: ${detail}`);
    };
    switch (outcome.type) {
      case "not-sent":
        throw asNothingBought(outcome.error, "confirm not sent: no session");
      case "failed":
        // A 401 after a fresh login is the gateway refusing before any processing: nothing was bought.
        if (outcome.status === 401) throw asNothingBought(outcome, "confirm refused 401");
        throw ambiguous(outcome.detail);
      case "refused":
        // A duplicate reference means an earlier confirm may have sold: only retry can tell.
        if (outcome.status === 409) throw ambiguous(`HTTP 409 ${outcome.code ?? ""}`.trim());
        this.log.info({ ref, status: outcome.status, code: outcome.code }, "confirm refused");
        throw new VendorError(
          "rejected",
          vendorReasonForCustomer(outcome.reason, "declined"),
          `confirm ${ref}`,
        );
      case "ok": {
        const parsed = transactionEnvelopeSchema.safeParse(outcome.body);
        if (!parsed.success) throw ambiguous("unreadable confirm body");
        const { status } = parsed.data.data;
        if (status === "FAILED")
          throw new VendorError("rejected", customerMessage("declined"), `confirm ${ref}`);
        if (status !== "SUCCESSFUL") throw ambiguous(`confirm status ${status}`);
        this.log.info({ ref }, "confirm successful");
        return toSale(parsed.data.data);
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
      new VendorError("ambiguous", customerMessage("outcome_unknown"), `retry ${ref}: ${detail}`);
    switch (outcome.type) {
      case "not-sent":
        throw stillUnknown(outcome.error.message);
      case "failed":
        throw stillUnknown(outcome.detail);
      case "refused":
        if (RETRY_NOT_ABOUT_PURCHASE.has(outcome.status)) throw stillUnknown(`HTTP ${outcome.status}`);
        this.log.info({ ref, status: outcome.status, code: outcome.code }, "retry: purchase failed");
        return { status: "FAILED", reason: vendorReasonForCustomer(outcome.reason, "declined") };
      case "ok": {
        const parsed = transactionEnvelopeSchema.safeParse(outcome.body);
        if (!parsed.success) throw stillUnknown("unreadable retry body");
        const { status } = parsed.data.data;
        if (status === "FAILED") return { status: "FAILED", reason: customerMessage("declined") };
        if (status !== "SUCCESSFUL") throw stillUnknown(`retry status ${status}`);
        this.log.info({ ref }, "retry: purchase successful");
        return { status: "SUCCESSFUL", sale: toSale(parsed.data.data) };
      }
    }
  }

  async balance(): Promise<AccountBalance> {
    const accounts = await this.fetchAccounts();
    const accountId = this.options.accountId ?? accounts[0]?.id;
    if (!accountId) throw unavailable("bad_response", "no vendor accounts");
    const account = accounts.find((candidate) => candidate.id === accountId);
    const cents = account?.balance == null ? undefined : toCents(String(account.balance));
    return {
      accountId,
      ...(cents === undefined ? {} : { balance: formatCents(cents) }),
      ...(account?.currency ? { currency: account.currency } : {}),
    };
  }

  private async fetchProducts(): Promise<Product[]> {
    const outcome = await this.call("GET", "/v1/vas-products", undefined, this.timeoutMs);
    const list = this.readBody(outcome, productListSchema, "vas-products");
    const products: Product[] = [];
    for (const entry of list.data) {
      const parsed = productSchema.safeParse(entry);
      if (parsed.success) products.push(toProduct(parsed.data));
      else this.log.warn({ issues: parsed.error.issues.length }, "skipping unreadable vendor product");
    }
    if (products.length === 0) throw unavailable("bad_response", "vendor listed no usable products");
    this.productCache = { products, fetchedAt: Date.now() };
    return products;
  }

  private async fetchAccounts() {
    const outcome = await this.call("GET", "/v1/accounts", undefined, this.timeoutMs);
    return this.readBody(outcome, accountListSchema, "accounts").data;
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
      throw new VendorError("rejected", customerMessage("invalid_request"), `bad amount ${request.amount}`);
    }
    return {
      source_channel: request.sourceChannel,
      language: this.language,
      product_type: request.productType,
      provider_code: request.providerCode,
      debited_account_id: accountId,
      beneficiary_phone_number: request.beneficiaryPhone,
      subscriber_identifier: request.subscriberId,
      amount: formatCents(cents),
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
        throw new VendorError(
          "rejected",
          vendorReasonForCustomer(outcome.reason, "declined"),
          `${what} refused`,
        );
      case "ok": {
        const parsed = schema.safeParse(outcome.body);
        if (!parsed.success) throw unavailable("bad_response", `${what}: unexpected body`);
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
  ): Promise<CallOutcome> {
    const startedAt = Date.now();
    const result = await this.tokens.send({ method, url: `${this.options.baseUrl}${path}`, body, timeoutMs });
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
  const error = errorBodySchema.safeParse(body);
  if (!error.success) return failed("bad_response");
  return { type: "refused", status, reason: error.data.response_message, code: error.data.response_code };
}

function toProduct(raw: z.infer<typeof productSchema>): Product {
  // Airtime is bought for a phone number and delivers no token; every other product is keyed in as a token.
  const isAirtime = raw.product_type === "AIRTIME";
  return {
    type: raw.product_type,
    name: raw.display_name,
    subscriberLabel: raw.subscriber_id_label,
    subscriberMinLength: raw.subscriber_id_min_length,
    subscriberMaxLength: raw.subscriber_id_max_length,
    subscriberPattern: raw.subscriber_id_pattern ?? "",
    subscriberHint: raw.subscriber_id_hint ?? "",
    providers: raw.providers.map(({ code, name }) => ({ code, name })),
    issuesToken: !isAirtime,
    subscriberIsPhone: isAirtime,
  };
}

function toSale(data: TransactionEnvelope): Sale {
  return {
    ...(data.reference ? { vendorReference: data.reference } : {}),
    ...(data.product?.token ? { token: data.product.token } : {}),
    ...(data.product?.units ? { units: data.product.units } : {}),
  };
}

function unavailable(cause: VendorFailureCause, detail: string): VendorError {
  return new VendorError("unavailable", customerMessage(cause), detail);
}

/** The confirm never reached the vendor's business logic: a definite "nothing bought". */
function asNothingBought(cause: unknown, detail: string): VendorError {
  const message = cause instanceof VendorError ? cause.customerMessage : customerMessage("login_failed");
  return new VendorError("rejected", message, detail);
}
