// A vendor double that serves the vendors' own documented example bodies, byte for byte, over real HTTP:
// the proof that a client reads what the vendor's document shows (not only what our sandbox sends). Each
// route answers a fixture's text verbatim (even where the document's example is not valid JSON) and
// records what the client sent, so a test can check the request against the document's field table too.
import type { IncomingMessage } from "node:http";
import { listenOnLoopback } from "../../src/vending/sandbox/loopback-server.js";
import { parseVendorJson } from "../../src/vending/tolerant-json.js";

/** A documented body with some fields changed, for an answer the documents do not print. */
export function derived(body: string, change: (value: Record<string, unknown>) => void): string {
  const value = parseVendorJson(body) as Record<string, unknown>;
  change(value);
  return JSON.stringify(value);
}

/** One answer: the verbatim body text and its HTTP status (default 200). */
export interface GoldenAnswer {
  status?: number;
  body: string;
  contentType?: string;
  /** Hold the answer this long (a confirm that hangs past the client's deadline). */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  /** The request body as parsed JSON (undefined when there was none). */
  body: unknown;
}

/** Picks the answer for a request; undefined answers 404 with an empty body. */
export type GoldenRoutes = (request: RecordedRequest, count: number) => GoldenAnswer | undefined;

export interface GoldenServer {
  url: string;
  requests: RecordedRequest[];
  /** Requests received on `path` (query string excluded). */
  calls(path: string): RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Routes by `METHOD /path` to fixed answers, or by a function for answers that change per call (`count` is
 * how many requests that path has had, this one included).
 */
export async function startGoldenServer(
  routes: Record<string, GoldenAnswer | GoldenAnswer[]> | GoldenRoutes,
): Promise<GoldenServer> {
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  const pick: GoldenRoutes =
    typeof routes === "function"
      ? routes
      : (request, count) => {
          const entry = routes[`${request.method} ${request.path}`];
          if (!Array.isArray(entry)) return entry;
          return entry[Math.min(count, entry.length) - 1];
        };
  const server = await listenOnLoopback(async (req, res) => {
    const text = await readBody(req);
    const path = (req.url ?? "/").split("?")[0] as string;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const request: RecordedRequest = {
      method: req.method ?? "GET",
      path,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      body,
    };
    requests.push(request);
    const count = (counts.get(path) ?? 0) + 1;
    counts.set(path, count);
    const answer = pick(request, count);
    if (answer?.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (res.destroyed) return;
    res.writeHead(answer?.status ?? (answer ? 200 : 404), {
      "content-type": answer?.contentType ?? "application/json",
    });
    res.end(answer?.body ?? "");
  });
  return {
    url: server.url,
    requests,
    calls: (path) => requests.filter((request) => request.path === path),
    close: () => server.close(),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(""));
  });
}
