// One JSON request to a vendor, with a deadline on every call. It never throws: the caller decides what
// "no answer" or a given status means for its operation (a quote and a buy read the same failure differently).
// Node's http/https with keep-alive agents rather than fetch: every callback's quote and buy go through
// here, and fetch's web-stream machinery costs more per call than the vendor round trip on a fast link.
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { parseVendorJson } from "./tolerant-json.js";

export type VendorHttpResult =
  /** The vendor answered; `body` is the parsed JSON (read as tolerant-json.ts says), else undefined. */
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

const agents = {
  "http:": new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  "https:": new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

/** Vendor answers are small JSON documents; anything far larger is not one. */
const MAX_BODY_BYTES = 1024 * 1024;

export function sendVendorRequest(request: VendorHttpRequest): Promise<VendorHttpResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      resolve({ kind: "no-answer", cause: "network", detail: "invalid vendor URL" });
      return;
    }
    const secure = url.protocol === "https:";
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: Record<string, string | number> = { accept: "application/json" };
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(payload);
    }
    if (request.bearer) headers.authorization = `Bearer ${request.bearer}`;

    let settled = false;
    const finish = (result: VendorHttpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const outgoing = (secure ? httpsRequest : httpRequest)(
      url,
      { method: request.method, headers, agent: secure ? agents["https:"] : agents["http:"] },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            response.destroy();
            finish({ kind: "no-answer", cause: "network", detail: "vendor answer too large" });
            return;
          }
          chunks.push(chunk);
        });
        response.on("end", () =>
          finish({
            kind: "answered",
            status: response.statusCode ?? 0,
            body: parseVendorJson(Buffer.concat(chunks).toString("utf8")),
          }),
        );
        response.on("error", (error) => finish(noAnswer(error)));
        response.on("aborted", () => finish({ kind: "no-answer", cause: "network", detail: "ECONNRESET" }));
      },
    );
    const timer = setTimeout(() => {
      finish({ kind: "no-answer", cause: "timeout", detail: `no answer within ${request.timeoutMs} ms` });
      outgoing.destroy();
    }, request.timeoutMs);
    outgoing.on("error", (error) => finish(noAnswer(error)));
    outgoing.end(payload);
  });
}

/** The system's reason (ECONNRESET, ECONNREFUSED…): callers tell "never left" from "may have arrived". */
function noAnswer(error: Error & { code?: string }): VendorHttpResult {
  return { kind: "no-answer", cause: "network", detail: error.code ?? error.message ?? "network error" };
}
