// ScratchPower's deprecated "Current API" behind the VendingClient port (SPEC section 2): electricity only,
// `/auth/*` and `/api/topup/validate|confirm|retry`, keyed by `meter_number`. Its business errors arrive as
// HTTP 200 bodies, so the rule that shapes every mapping below is: success is `response_code` "00" with
// the full expected body (and, for a sale, a token); anything else is never read as success. As with v1,
// a call that changes nothing fails as `rejected` or `unavailable`; a buy without a definite answer is
// `ambiguous`, and only retry may settle it (SPEC section 6).

import type { z } from "zod";
import type { Logger } from "../log.js";
import { type AuthorisedResult, ScratchPowerTokenManager } from "./auth.js";
import { formatCents, toCents } from "./cents.js";
import { customerMessage, type VendorFailureCause, vendorReasonForCustomer } from "./messages.js";
import {
  type CodeMeaning,
  codeMeaning,
  errorBodySchema,
  meSchema,
  responseCodeSchema,
  type SaleSuccess,
  SUCCESS_CODE,
  saleSuccessSchema,
  unitsText,
  validateSuccessSchema,
} from "./scratchpower-current-wire.js";
import type { ScratchPowerV1Options } from "./scratchpower-v1.js";
import { sharedLookup } from "./shared-lookup.js";
import {
  type AccountBalance,
  type Product,
  type PurchaseRequest,
  type Quote,
  type RefusedInput,
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
 * The one product the Current API sells. It has no product list, so this is fixed: the same electricity
 * line as ScratchPower v1's (BPC meters), so a journey reads the same whichever API is behind it.
 */
export const CURRENT_API_ELECTRICITY: Product = {
  type: "ELECTRICITY",
  name: "Electricity",
  subscriberLabel: "Meter number",
  subscriberMinLength: 11,
  subscriberMaxLength: 11,
  subscriberPattern: "^[0-9]{11}$",
  subscriberHint: "The 11 digits on the front of your prepaid meter",
  providers: [{ code: "BPC", name: "Botswana Power Corporation" }],
  issuesToken: true,
  subscriberIsPhone: false,
};

/** What one call came to, before an operation decides what it means for the customer. */
type TopupOutcome =
  /** HTTP 2xx with `response_code` "00"; the body is not yet checked against the operation's schema. */
  | { type: "success"; body: unknown }
  /** A readable error body (the API's business errors come with HTTP 200). */
  | { type: "error"; code: string; reason: string; meaning: CodeMeaning; refusedInput?: RefusedInput }
  /** No usable answer; `status` when there was an HTTP answer at all. */
  | { type: "failed"; cause: VendorFailureCause; detail: string; status?: number }
  /** No token could be sent with it: the vendor processed nothing. */
  | { type: "no-session"; error: VendorError };

export class ScratchPowerCurrentClient implements VendingClient {
  private readonly tokens: ScratchPowerTokenManager;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly confirmTimeoutMs: number;
  private readonly language: string;
  private readonly currency: string;

  constructor(private readonly options: ScratchPowerCurrentOptions) {
    this.timeoutMs = options.timeoutMs ?? 4000;
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 30_000;
    this.language = options.locale ?? "en-BW";
    this.currency = options.currency ?? "BWP";
    this.log = options.logger.child({ vendor: "scratchpower-current" });
    this.tokens = new ScratchPowerTokenManager({
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
    const body = this.readBody(outcome, validateSuccessSchema, "validate");
    if (body.meter_number && body.meter_number !== request.subscriberId) {
      throw unavailable("bad_response", "validate: answer about another meter");
    }
    const name = body.meter_details?.customer_name;
    return {
      ...(name ? { customerName: name } : {}),
      amount: body.amount,
      charge: body.charge,
      total: body.total,
      currency: body.currency,
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
    const outcome = await this.call("/api/topup/confirm", payload, this.confirmTimeoutMs);
    const ambiguous = (detail: string) => {
      this.log.warn({ ref, detail }, "confirm outcome unknown");
      return new VendorError("ambiguous", customerMessage("outcome_unknown"), `confirm ${ref}: ${detail}`);
    };
    switch (outcome.type) {
      case "no-session":
        throw asNothingBought(outcome.error, "confirm not sent: no session");
      case "failed":
        // A 401 after a fresh login is the gateway refusing before any processing: nothing was bought.
        if (outcome.status === 401) throw asNothingBought(outcome, "confirm refused 401");
        throw ambiguous(outcome.detail);
      case "error":
        // Only a code that says "not sold" is definite; pending, duplicate and unknown codes need retry.
        if (outcome.meaning !== "refused" && outcome.meaning !== "invalid") {
          throw ambiguous(`response_code ${outcome.code}`);
        }
        this.log.info({ ref, code: outcome.code }, "confirm refused");
        throw new VendorError(
          "rejected",
          vendorReasonForCustomer(outcome.reason, "declined"),
          `confirm ${ref}: response_code ${outcome.code}`,
        );
      case "success": {
        const sale = readSale(outcome.body, request);
        if (typeof sale === "string") throw ambiguous(sale);
        this.log.info({ ref }, "confirm successful");
        return sale;
      }
    }
  }

  async resolve(request: PurchaseRequest): Promise<Resolution> {
    const ref = request.externalReference;
    const outcome = await this.call(
      "/api/topup/retry",
      {
        source_channel: request.sourceChannel,
        language: this.language,
        meter_number: request.subscriberId,
        external_reference: ref,
        ...NO_NOTIFICATIONS,
      },
      this.timeoutMs,
    );
    const stillUnknown = (detail: string) =>
      new VendorError("ambiguous", customerMessage("outcome_unknown"), `retry ${ref}: ${detail}`);
    switch (outcome.type) {
      case "no-session":
        throw stillUnknown(outcome.error.message);
      case "failed":
        throw stillUnknown(outcome.detail);
      case "error":
        // "Failed" needs the vendor to say so about this purchase; a bad request or a busy vendor says nothing.
        if (outcome.meaning !== "refused" && outcome.meaning !== "not-found") {
          throw stillUnknown(`response_code ${outcome.code}`);
        }
        this.log.info({ ref, code: outcome.code }, "retry: purchase failed");
        return { status: "FAILED", reason: vendorReasonForCustomer(outcome.reason, "declined") };
      case "success": {
        const sale = readSale(outcome.body, request);
        if (typeof sale === "string") throw stillUnknown(sale);
        this.log.info({ ref }, "retry: purchase successful");
        return { status: "SUCCESSFUL", sale };
      }
    }
  }

  async balance(): Promise<AccountBalance> {
    const accounts = await this.fetchAccounts();
    const accountId = this.options.accountId ?? accounts[0]?.account_id;
    if (!accountId) throw unavailable("bad_response", "no vendor accounts");
    const account = accounts.find((candidate) => candidate.account_id === accountId);
    const cents = account?.balance == null ? undefined : toCents(String(account.balance));
    return {
      accountId,
      ...(cents === undefined ? {} : { balance: formatCents(cents) }),
      ...(account?.currency ? { currency: account.currency } : {}),
    };
  }

  /** The accounts come with the caller's profile: the Current API has no `/accounts`. */
  private async fetchAccounts() {
    const outcome = await this.call("/auth/me", undefined, this.timeoutMs);
    // An error body here is about our session or the vendor, never the customer's purchase.
    if (outcome.type === "error") throw unavailable("server_error", `me: response_code ${outcome.code}`);
    return this.readBody(outcome, meSchema, "me").accounts;
  }

  /** The configured account, else the first the vendor lists (looked up once; a failure is not kept). */
  private readonly debitAccountId = sharedLookup(async () => {
    if (this.options.accountId) return this.options.accountId;
    const first = (await this.fetchAccounts())[0];
    if (!first) throw unavailable("bad_response", "no vendor accounts");
    return first.account_id;
  });

  private topupPayload(request: PurchaseRequest, accountId: string) {
    const invalid = (detail: string) =>
      new VendorError("rejected", customerMessage("invalid_request"), detail);
    const product = CURRENT_API_ELECTRICITY;
    if (request.productType !== product.type) throw invalid(`product ${request.productType} not sold`);
    if (!product.providers.some((provider) => provider.code === request.providerCode)) {
      throw invalid(`provider ${request.providerCode} not sold`);
    }
    const cents = toCents(request.amount);
    if (cents === undefined || cents === 0) throw invalid(`bad amount ${request.amount}`);
    return {
      source_channel: request.sourceChannel,
      language: this.language,
      meter_number: request.subscriberId,
      amount: formatCents(cents),
      currency: this.currency,
      debited_account_id: accountId,
      beneficiary_phone_number: request.beneficiaryPhone,
      charges_on_top_flag: true,
      external_reference: request.externalReference,
      ...NO_NOTIFICATIONS,
    };
  }

  /** For calls that change nothing: a success body of the expected shape, else `rejected` or `unavailable`. */
  private readBody<T>(outcome: TopupOutcome, schema: z.ZodType<T>, what: string): T {
    switch (outcome.type) {
      case "no-session":
        throw outcome.error;
      case "failed":
        throw unavailable(outcome.cause, `${what}: ${outcome.detail}`);
      case "error":
        if (outcome.meaning === "pending") {
          throw unavailable("server_error", `${what}: response_code ${outcome.code}`);
        }
        throw new VendorError(
          "rejected",
          vendorReasonForCustomer(outcome.reason, "declined"),
          `${what}: response_code ${outcome.code}`,
          outcome.refusedInput,
        );
      case "success": {
        const parsed = schema.safeParse(outcome.body);
        if (!parsed.success) throw unavailable("bad_response", `${what}: unexpected body`);
        return parsed.data;
      }
    }
  }

  private async call(path: string, body: unknown, timeoutMs: number): Promise<TopupOutcome> {
    const startedAt = Date.now();
    const result = await this.tokens.send({
      method: body === undefined ? "GET" : "POST",
      url: `${this.options.baseUrl}${path}`,
      body,
      timeoutMs,
    });
    const ms = Date.now() - startedAt;
    if (result.kind === "no-answer") {
      this.log.warn({ path, ms, cause: result.cause, detail: result.detail }, "vendor call got no answer");
    } else if (result.kind === "answered") {
      this.log.debug({ path, ms, status: result.status }, "vendor call");
    }
    return classify(result);
  }
}

/** Our own SMS carries the token: every vendor notification is switched off explicitly (its default is on). */
const NO_NOTIFICATIONS = {
  send_sms_notification: false,
  send_email_notification: false,
  notify_beneficiary: false,
} as const;

function classify(result: AuthorisedResult): TopupOutcome {
  if (result.kind === "no-session") return { type: "no-session", error: result.error };
  if (result.kind === "no-answer") return { type: "failed", cause: result.cause, detail: result.detail };
  const { status, body } = result;
  const failed = (cause: VendorFailureCause, detail = `HTTP ${status}`): TopupOutcome => ({
    type: "failed",
    cause,
    detail,
    status,
  });
  // Only the gateway answers with other statuses (bearer check, routing, overload): never a business answer.
  if (status === 401) return failed("login_failed");
  if (status === 408) return failed("timeout");
  if (status === 429) return failed("busy");
  if (status < 200 || status >= 300) return failed(status >= 500 ? "server_error" : "bad_response");
  const coded = responseCodeSchema.safeParse(body);
  if (!coded.success) return failed("bad_response", "body without response_code");
  if (coded.data.response_code === SUCCESS_CODE) return { type: "success", body };
  const error = errorBodySchema.safeParse(body);
  if (!error.success) return failed("bad_response", `unreadable error body ${coded.data.response_code}`);
  const { meaning, refusedInput } = codeMeaning(error.data.response_code);
  return {
    type: "error",
    code: error.data.response_code,
    reason: error.data.response_message,
    meaning,
    ...(refusedInput ? { refusedInput } : {}),
  };
}

/**
 * A confirm or retry "00" body as a Sale, or why it cannot count as one (a string). A sale without a token,
 * or about another purchase, is never reported as bought: the caller treats it as not yet known.
 */
function readSale(body: unknown, request: PurchaseRequest): Sale | string {
  const parsed = saleSuccessSchema.safeParse(body);
  if (!parsed.success) return "unreadable success body";
  const sale: SaleSuccess = parsed.data;
  if (sale.meter_number && sale.meter_number !== request.subscriberId) return "success for another meter";
  if (sale.external_reference && sale.external_reference !== request.externalReference) {
    return "success for another reference";
  }
  const token = sale.token?.trim();
  if (!token) return "success without token";
  const units = unitsText(sale.electricity_units);
  return {
    ...(sale.transaction_reference ? { vendorReference: sale.transaction_reference } : {}),
    token,
    ...(units ? { units } : {}),
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
