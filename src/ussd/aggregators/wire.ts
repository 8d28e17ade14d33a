// Small pieces shared by the JSON/query aggregator adapters: lenient scalar fields and JSON replies.
import { z } from "zod";
import type { CallbackResponse } from "../types.js";

/** Gateways differ on ids and phone numbers as JSON numbers or strings: accept both, keep text. */
export function textField(field: string, max = 128) {
  return z.preprocess(
    (value) => (typeof value === "number" && Number.isFinite(value) ? String(value) : value),
    z.string().trim().min(1, `${field} is required`).max(max, `${field} is too long`),
  );
}

/** Like textField, but absent when missing, null or empty. */
export function optionalTextField(field: string, max = 128) {
  return z.preprocess(
    (value) => (value === "" || value === null ? undefined : value),
    textField(field, max).optional(),
  );
}

/** User input: may be empty; numbers accepted (a JSON encoder may turn `"1"` into `1`). */
export function inputField(field: string, max = 1000) {
  return z.preprocess(
    (value) =>
      value === undefined || value === null ? "" : typeof value === "number" ? String(value) : value,
    z.string().max(max, `${field} is too long`),
  );
}

/** A JSON boolean; the strings `"true"`/`"false"` are accepted too, anything else is refused. */
export function flagField() {
  return z.preprocess((value) => {
    if (typeof value !== "string") return value;
    const lower = value.trim().toLowerCase();
    return lower === "true" ? true : lower === "false" ? false : value;
  }, z.boolean());
}

/** A value to echo back exactly as the aggregator sent it (string or number), or undefined. */
export function echoed(source: unknown, key: string): string | number | undefined {
  if (typeof source !== "object" || source === null) return undefined;
  const value = (source as Record<string, unknown>)[key];
  return typeof value === "string" || typeof value === "number" ? value : undefined;
}

export function jsonResponse(body: unknown): CallbackResponse {
  return { status: 200, contentType: "application/json", body: JSON.stringify(body) };
}
