// ScratchPower's deprecated "Current API" behind the VendingClient port, as
// ../shared/vendor-docs/scratchpower-current-api-topup.txt documents it: electricity only, `/auth/*` and
// `/api/topup/validate|confirm|retry`, keyed by `meter_number`. Its business errors arrive as HTTP 200 bodies
// with a `response_code`, so a body with one is an error whatever the status, and only a body without one,
// of the documented shape (and, for a sale, with its token) is a success. As with v1, a call that changes
// nothing fails as `rejected` or `unavailable`; a buy without a definite answer is `ambiguous`, and only
// retry may settle it (SPEC section 6).

import type { z } from "zod";
import { formatCents, toCents } from "../../machines/purchase/money.js";
import type { Logger } from "../log.js";
import { scratchPowerTokens } from "./auth.js";
import { failure, type VendorFailureCause, vendorReason } from "./messages.js";
import { hasResponseCode, validateSuccessSchema, wireDate } from "./scratchpower-current-wire.js";
import type { ScratchPowerV1Options } from "./scratchpower-v1.js";
import {
  accountIdForWire,
  accountsSchema,
  balanceText,
  missingFields,
  readErrorBody,
  readSale,
} from "./scratchpower-wire.js";
import { sharedLookup } from "./shared-lookup.js";
import type { AuthorisedResult, TokenCache } from "./token-cache.js";
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

/**
 * The same options as the v1 client, so `VENDOR` can switch between them. `accountId` defaults to the first
 * of `accounts[]` in `GET /auth/me`; `productsTtlMs` is unused (this API has no product list to cache).
 */
export type ScratchPowerCurrentOptions = ScratchPowerV1Options;

/**
 * The one product the Current API sells. It has no product list, so this is fixed: BPC electricity meters,
 * "typically 11 or 13 digits" as the document's field table says.
 */
export const CURRENT_API_ELECTRICITY: Product = {
  type: "ELECTRICITY",
  name: "Electricity",
  subscriberLabel: "Meter number",
  subscriberMinLength: 11,
  subscriberMaxLength: 13,
  subscriberPattern: "^([0-9]{11}|[0-9]{13})$",
  subscriberHint: "11 or 13 digits",
  providers: [{ code: "BPC", name: "Botswana Power Corporation" }],
  issuesToken: true,
  subscriberIsPhone: false,
};

/** What one call came to, before an operation decides what it means for the customer. */
type TopupOutcome =
  /** A body without `response_code`; not yet checked against the operation's schema. */
  | { type: "success"; body: unknown }
  /** The documented error body (usually with HTTP 200): the vendor said no. */
  | { type: "error"; code: string; reason?: string }
  /** No usable answer; `status` when there was an HTTP answer at all. */
  | { type: "failed"; cause: VendorFailureCause; detail: string; status?: number }
  /** No token could be sent with it: the vendor processed nothing. */
  | { type: "no-session"; error: VendorError };

export class ScratchPowerCurrentClient implements VendingClient {
  private readonly tokens: TokenCache;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly confirmTimeoutMs: number;
  private readonly language: string;
  private readonly currency: string;
  /** Built once: a zod schema is dear to build (it compiles), and the currency never changes. */
  private readonly validateSchema: ReturnType<typeof validateSuccessSchema>;
  private readonly timeZone: string;
  private readonly sourceTag: string;

  constructor(private readonly options: ScratchPowerCurrentOptions) {
    this.timeoutMs = options.timeoutMs ?? 4000;
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 30_000;
    this.language = options.locale ?? "en-BW";
    this.currency = options.currency ?? "BWP";
    this.validateSchema = validateSuccessSchema(this.currency);
    this.timeZone = options.timeZone ?? "Africa/Gaborone";
    this.sourceTag = options.sourceTag ?? "USSD";
    this.log = options.logger.child({ vendor: "scratchpower-current" });
    this.tokens = scratchPowerTokens({
      baseUrl: options.baseUrl,
      pathPrefix: "",
      refusalsInHttp200: true,
      credentials: options.credentials,
      timeoutMs: this.timeoutMs,
      logger: options.logger,
    });
  }

  async products(): Promise<Product[]> {
    return [structuredClone(CURRENT_API_ELECTRICITY)];
  }

  async quote(request: PurchaseRequest): Promise<Quote> {
    const payload = this.topupPayload(request, await this.debitAccountId());
    const outcome = await this.call("/api/topup/validate", payload, this.timeoutMs);
    const body = this.readBody(outcome, this.validateSchema, "validate");
    if (body.meter_number && body.meter_number !== request.subscriberId) {
      this.log.warn({ endpoint: "validate" }, "answer about another meter");
      throw unavailable("bad_response", "validate: answer about another meter");
    }
    return {
      ...(body.meter_details ? { customerName: body.meter_details } : {}),
      amount: body.entry ?? body.net ?? formatCents(toCents(request.amount) ?? 0),
      charge: body.charge,
      total: body.total,
      currency: this.currency,
    };
  }

  async buy(request: PurchaseRequest): Promise<Sale> {
    const ref = request.externalReference;
    let payload: ReturnType<ScratchPowerCurrentClient["topupPayload"]>;
    try {
      payload = this.topupPayload(request, await this.debitAccountId());
    } catch (error) {
      throw asNothingBought(error, "confirm not sent");
    }
    // Sent once, 401 included: the token manager does not send it again after a 401.
    const outcome = await this.call("/api/topup/confirm", payload, this.confirmTimeoutMs, true);
    const ambiguous = (detail: string) => {
      this.log.warn({ ref, detail }, "confirm outcome unknown");
      return new VendorError("ambiguous", failure("outcome_unknown"), `confirm ${ref}: ${detail}`);
    };
    switch (outcome.type) {
      case "no-session":
        throw asNothingBought(outcome.error, "confirm not sent: no session");
      case "failed":
        // A 401 is the gateway refusing our token before any processing: nothing was bought; so is any
        // other 4xx but 408, 409 (an earlier confirm with this reference may have sold) and 429.
        if (outcome.status === 401) throw asNothingBought(outcome, "confirm refused 401");
        if (outcome.status !== undefined && outcome.status !== 409 && isDefiniteClientError(outcome.status)) {
          throw new VendorError("rejected", failure("declined"), `confirm ${ref}: HTTP ${outcome.status}`);
        }
        throw ambiguous(outcome.detail);
      case "error":
        // An error body is the vendor's definite answer: it did not sell.
        this.log.info({ ref, code: outcome.code }, "confirm refused");
        throw new VendorError(
          "rejected",
          vendorReason(outcome.reason, "declined"),
          `confirm ${ref}: response_code ${outcome.code}`,
        );
      case "success": {
        const reading = readSale(outcome.body, request);
        if (reading.kind === "unknown") throw ambiguous(reading.detail);
        if (reading.kind === "failed") {
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
      "/api/topup/retry",
      {
        date: wireDate(new Date(), this.timeZone),
        external_reference: ref,
        language: this.language,
        meter_number: request.subscriberId,
        source_channel: request.sourceChannel,
        source_tag: this.sourceTag,
      },
      this.timeoutMs,
    );
    const stillUnknown = (detail: string) =>
      new VendorError("ambiguous", failure("outcome_unknown"), `retry ${ref}: ${detail}`);
    switch (outcome.type) {
      case "no-session":
        throw stillUnknown(outcome.error.message);
      case "failed":
        // A 400-class status is a definite failure as on v1 (401, 408 and 429 say nothing about the purchase).
        if (outcome.status !== undefined && isDefiniteClientError(outcome.status)) {
          this.log.info({ ref, status: outcome.status }, "retry: purchase failed");
          return { status: "FAILED", failure: failure("declined") };
        }
        throw stillUnknown(outcome.detail);
      case "error":
        // "A failure means the transaction genuinely failed."
        this.log.info({ ref, code: outcome.code }, "retry: purchase failed");
        return { status: "FAILED", failure: vendorReason(outcome.reason, "declined") };
      case "success": {
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
    return { accountId, ...(balance === undefined ? {} : { balance, currency: this.currency }) };
  }

  /** The accounts come with the caller's profile (`accounts[].id`): the Current API has no `/accounts`. */
  private async fetchAccounts() {
    const outcome = await this.call("/auth/me", undefined, this.timeoutMs);
    // An error body here is about our session or the vendor, never the customer's purchase.
    if (outcome.type === "error") throw unavailable("server_error", `me: response_code ${outcome.code}`);
    return this.readBody(outcome, accountsSchema, "me");
  }

  /** The configured account, else the first the vendor lists (looked up once; a failure is not kept). */
  private readonly debitAccountId = sharedLookup(async () => {
    if (this.options.accountId) return this.options.accountId;
    const first = (await this.fetchAccounts())[0];
    if (!first) throw unavailable("bad_response", "no vendor accounts");
    return first.id;
  });

  /** The documented validate/confirm body, numbers as numbers, every vendor notification off (we text). */
  private topupPayload(request: PurchaseRequest, accountId: string) {
    const invalid = (detail: string) => new VendorError("rejected", failure("invalid_request"), detail);
    const product = CURRENT_API_ELECTRICITY;
    if (request.productType !== product.type) throw invalid(`product ${request.productType} not sold`);
    if (!product.providers.some((provider) => provider.code === request.providerCode)) {
      throw invalid(`provider ${request.providerCode} not sold`);
    }
    const cents = toCents(request.amount);
    if (cents === undefined || cents === 0) throw invalid(`bad amount ${request.amount}`);
    return {
      amount: cents / 100,
      beneficiary_phone_number: request.beneficiaryPhone,
      charges_on_top_flag: true,
      currency: this.currency,
      date: wireDate(new Date(), this.timeZone),
      debited_account_id: accountIdForWire(accountId),
      external_reference: request.externalReference,
      language: this.language,
      meter_number: request.subscriberId,
      send_beneficiary_email: false,
      send_beneficiary_sms: false,
      send_requester_email: false,
      send_requester_sms: false,
      source_channel: request.sourceChannel,
      source_tag: this.sourceTag,
    };
  }

  /** For calls that change nothing: a success body of the expected shape, else `rejected` or `unavailable`. */
  private readBody<T>(outcome: TopupOutcome, schema: z.ZodType<T>, what: string): T {
    switch (outcome.type) {
      case "no-session":
        throw outcome.error;
      case "failed":
        if (outcome.status !== undefined && isDefiniteClientError(outcome.status)) {
          throw new VendorError("rejected", failure("declined"), `${what}: HTTP ${outcome.status}`);
        }
        throw unavailable(outcome.cause, `${what}: ${outcome.detail}`);
      case "error":
        this.log.info({ endpoint: what, code: outcome.code }, "vendor refused");
        throw new VendorError(
          "rejected",
          vendorReason(outcome.reason, "declined"),
          `${what}: response_code ${outcome.code}`,
        );
      case "success": {
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

  private async call(path: string, body: unknown, timeoutMs: number, once = false): Promise<TopupOutcome> {
    const startedAt = Date.now();
    const method = body === undefined ? "GET" : "POST";
    const result = await this.tokens.send(
      { method, url: `${this.options.baseUrl}${path}`, body, timeoutMs },
      { resendAfter401: !once },
    );
    const ms = Date.now() - startedAt;
    if (result.kind === "no-answer") {
      this.log.warn({ path, ms, cause: result.cause, detail: result.detail }, "vendor call got no answer");
    } else if (result.kind === "answered") {
      this.log.debug({ path, ms, status: result.status }, "vendor call");
    }
    return classify(result);
  }
}

function classify(result: AuthorisedResult): TopupOutcome {
  if (result.kind === "no-session") return { type: "no-session", error: result.error };
  if (result.kind === "no-answer") return { type: "failed", cause: result.cause, detail: result.detail };
  const { status, body } = result;
  // The documented error body is the vendor's answer whatever the 2xx-4xx status; behind a 5xx (a gateway or
  // utility timeout) it proves nothing about a purchase, so it is read as no answer.
  if (hasResponseCode(body) && status < 500) {
    const { code, reason } = readErrorBody(body);
    return { type: "error", code: code ?? "", ...(reason ? { reason } : {}) };
  }
  const failed = (cause: VendorFailureCause): TopupOutcome => ({
    type: "failed",
    cause,
    detail: `HTTP ${status}`,
    status,
  });
  if (status === 401) return failed("login_failed");
  if (status === 408) return failed("timeout");
  if (status === 429) return failed("busy");
  if (status >= 200 && status < 300) {
    return body === undefined ? failed("bad_response") : { type: "success", body };
  }
  return failed(status >= 500 ? "server_error" : "bad_response");
}

/** A 4xx that is the vendor's answer about the request itself (401, 408 and 429 are not). */
function isDefiniteClientError(status: number): boolean {
  return status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429;
}

function unavailable(cause: VendorFailureCause, detail: string): VendorError {
  return new VendorError("unavailable", failure(cause), detail);
}

/** The confirm never reached the vendor's business logic: a definite "nothing bought". */
function asNothingBought(cause: unknown, detail: string): VendorError {
  const why = cause instanceof VendorError ? cause.failure : failure("login_failed");
  return new VendorError("rejected", why, detail);
}
