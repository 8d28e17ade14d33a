// The whole service listening on a real port (all interfaces), as `npm start` runs it: built-in vendor
// sandbox and the log SMS gateway unless `env` says otherwise. For the operator page, the simulator and
// the browser tests, which need a real socket (the simulator posts to its own webhook routes).
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { buildService, type Service } from "../../src/main.js";

export interface ListeningService {
  service: Service;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startListeningService(env: Record<string, string> = {}): Promise<ListeningService> {
  const config = loadConfig({ LOG_LEVEL: "silent", PORT: "0", ...env });
  const service = await buildService(config, createLogger("silent"));
  const server: Server = service.app.listen(0);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    service,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await service.close();
    },
  };
}
