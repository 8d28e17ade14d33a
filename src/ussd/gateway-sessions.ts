// What we have told a gateway about each of its sessions, for the gateways that need it (Infobip): whether
// our last reply closed the session (its `status` request asks exactly that), and a close we had to send as
// a menu because the gateway shows the first reply of a session as a menu whatever it says.
import type { KeyValueStore } from "../store/store.js";
import type { UssdReply } from "./types.js";

export interface GatewaySession {
  /** Our last reply closed the session (or the gateway ended it). */
  closed: boolean;
  /** A closing screen sent as a menu on the first reply: the next callback closes with it. */
  heldClose?: string;
}

export class GatewaySessions {
  constructor(
    private readonly store: KeyValueStore,
    /** As long as the session itself lives (`USSD_SESSION_TTL_SECONDS`). */
    private readonly ttlSeconds: number,
  ) {}

  /** What the gateway was last told of this session; null before its first reply (or after its end). */
  async get(sessionId: string): Promise<GatewaySession | null> {
    return this.store.get<GatewaySession>(key(sessionId));
  }

  /**
   * Notes the reply the gateway was sent; `heldClose` is the closing screen held back on the first reply
   * (kept after it is sent, so a retried callback gets it again).
   */
  async answered(sessionId: string, sent: UssdReply, heldClose?: string): Promise<void> {
    const session: GatewaySession = { closed: sent.end, ...(heldClose === undefined ? {} : { heldClose }) };
    await this.store.set(key(sessionId), session, this.ttlSeconds);
  }

  /** The gateway ended the session. */
  async ended(sessionId: string): Promise<void> {
    await this.store.delete(key(sessionId));
  }

  /** Whether the session is open: started, not closed by us or the gateway, and not idle past its TTL. */
  async active(sessionId: string): Promise<boolean> {
    const session = await this.store.get<GatewaySession>(key(sessionId));
    return session !== null && !session.closed;
  }
}

function key(sessionId: string): string {
  return `gateway-session:${sessionId}`;
}
