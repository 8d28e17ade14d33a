// Shared by the aggregator adapter tests: fixtures, phone readers, and unwrapping parse results.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { CountryCode } from "libphonenumber-js";
import { toE164Digits } from "../../../src/phone.js";
import type { CallbackRequest, ParsedUssdCallback, UssdEvent, UssdRequest } from "../../../src/ussd/types.js";

const FIXTURES = new URL("./fixtures/", import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

/** The phone reader the route passes adapters, for one region. */
export function phoneReader(region: CountryCode): (raw: string) => string | null {
  return (raw) => toE164Digits(raw, region);
}

export function callback(parts: Partial<CallbackRequest>): CallbackRequest {
  return { body: undefined, query: {}, params: {}, ...parts };
}

export function inputOf(parsed: ParsedUssdCallback): UssdRequest {
  assert.ok(parsed.ok, `expected an input event, got refusal: ${parsed.ok ? "" : parsed.reason}`);
  assert.equal(parsed.event.kind, "input");
  return (parsed.event as Extract<UssdEvent, { kind: "input" }>).request;
}

export function endedOf(parsed: ParsedUssdCallback): Extract<UssdEvent, { kind: "ended" }> {
  assert.ok(parsed.ok, `expected an ended event, got refusal: ${parsed.ok ? "" : parsed.reason}`);
  assert.equal(parsed.event.kind, "ended");
  return parsed.event as Extract<UssdEvent, { kind: "ended" }>;
}

export function refusalOf(parsed: ParsedUssdCallback | { ok: true } | { ok: false; reason: string }): string {
  assert.equal(parsed.ok, false, "expected a refusal");
  return (parsed as { ok: false; reason: string }).reason;
}
