// The HTTP lifecycle every built-in sandbox shares: listen on loopback (a free port by default), and close
// promptly even while a scenario holds a response open (the hanging-buy numbers).
import { createServer, type RequestListener } from "node:http";

export interface LoopbackServer {
  /** Base URL, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** Stops listening and drops every open connection, hanging ones included. */
  close(): Promise<void>;
}

export async function listenOnLoopback(
  handler: RequestListener,
  port = 0,
  beforeClose: () => void = () => {},
): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${bound}`,
    close() {
      beforeClose();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
