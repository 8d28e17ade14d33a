// One JSON request to a vendor, with a deadline on every call. It never throws: the caller decides what
// "no answer" or a given status means for its operation (a quote and a buy read the same failure differently).

export type VendorHttpResult =
  /** The vendor answered; `body` is the parsed JSON, or undefined when the body was not JSON. */
  | { kind: "answered"; status: number; body: unknown }
  /** No answer (deadline passed, connection refused or reset): the request may or may not have arrived. */
  | { kind: "no-answer"; cause: "timeout" | "network"; detail: string };

export interface VendorHttpRequest {
  method: "GET" | "POST";
  url: string;
  body?: unknown;
  bearer?: string;
  /** Deadline for the whole exchange, body included. */
  timeoutMs: number;
}

export async function sendVendorRequest(request: VendorHttpRequest): Promise<VendorHttpResult> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  if (request.bearer) headers.authorization = `Bearer ${request.bearer}`;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const text = await response.text();
    return { kind: "answered", status: response.status, body: parseJson(text) };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === "TimeoutError" || name === "AbortError") {
      return { kind: "no-answer", cause: "timeout", detail: `no answer within ${request.timeoutMs} ms` };
    }
    return { kind: "no-answer", cause: "network", detail: describeNetworkError(error) };
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** fetch reports "fetch failed" and hides the reason (ECONNRESET, ECONNREFUSED…) in `cause`. */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? "network error";
}
