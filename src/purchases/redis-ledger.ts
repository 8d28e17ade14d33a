// The purchase ledger on Redis, shared by every app instance; same semantics as MemoryLedger.
//
// Keys (p = keyPrefix, e.g. "ussd:"):
//   p + purchase:<reference>            JSON of the PurchaseRecord. While QUOTED it expires after
//                                       quotedTtlSeconds (a quote nobody confirms); PERSISTed once it leaves
//                                       QUOTED, so a purchase that may have been sent is never forgotten.
//   p + purchases:session:<sessionId>   set of the references quoted in one USSD session. Expires with its
//                                       quotes, PERSISTed with the first purchase that leaves QUOTED.
//   p + purchases:phone:<phone>         sorted set (score = createdAt, epoch ms) of the SUCCESSFUL purchases
//                                       with a token, under both the buyer's and the recipient's phone.
//   p + purchases:unresolved            set of the references that need work: CONFIRMING or UNKNOWN, or
//                                       SUCCESSFUL/FAILED with the customer not yet notified.
//   p + purchases:created               sorted set (score = createdAt, epoch ms) of every purchase past
//                                       QUOTED: the operator page's days and search (written by the same
//                                       script as the record, so no extra round trip).
//
// Every change of a record and its indexes is one Lua script, so it is atomic across instances. The
// scripts build the index keys from the record, so this needs a standalone Redis (not Redis Cluster).
// Times come from this process's clock (`now`), in the same ISO format as the memory ledger.
import type { Redis } from "ioredis";
import { z } from "zod";
import { LuaScript } from "../store/redis.js";
import {
  matchesSearch,
  type NewPurchase,
  type PurchaseLedger,
  type PurchasePatch,
  type PurchaseRecord,
  type PurchaseSearch,
  type PurchaseStatus,
} from "./ledger.js";

/** How far back a phone or meter search reads (newest first), so a search never reads the whole ledger. */
const SEARCH_DEPTH = 20_000;
const SEARCH_BATCH = 500;

export interface RedisLedgerOptions {
  /** Namespace of every key, e.g. "ussd:". */
  keyPrefix: string;
  /** A QUOTED purchase nobody confirms expires after this long (default 86400). */
  quotedTtlSeconds?: number;
  /** The clock of `createdAt`, `updatedAt` and `history[].at` (tests pass their own). */
  now?: () => Date;
}

const statusSchema = z.enum(["QUOTED", "CONFIRMING", "SUCCESSFUL", "FAILED", "UNKNOWN"]);

// Validates what comes back from Redis: a record written by another version, or by hand, fails loudly.
const recordSchema: z.ZodType<PurchaseRecord> = z.object({
  reference: z.string(),
  channel: z.enum(["USSD", "SMS"]),
  sessionId: z.string().optional(),
  phone: z.string(),
  recipient: z.string(),
  productType: z.string(),
  productName: z.string(),
  subscriberLabel: z.string(),
  providerCode: z.string(),
  subscriberId: z.string(),
  amount: z.string(),
  charge: z.string(),
  total: z.string(),
  currency: z.string(),
  customerName: z.string().optional(),
  vendorQuoteReference: z.string().optional(),
  sourceChannel: z.string(),
  status: statusSchema,
  history: z.array(z.object({ status: statusSchema, at: z.string() })),
  vendorTransactionId: z.string().optional(),
  vendorReference: z.string().optional(),
  providerReference: z.string().optional(),
  token: z.string().optional(),
  units: z.string().optional(),
  failureReason: z.string().optional(),
  needsOperator: z.boolean().optional(),
  notified: z.boolean().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

// KEYS[1] record, KEYS[2] session set or absent; ARGV: json, ttl seconds, reference.
const createScript = new LuaScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 0 end
if KEYS[2] then
  local ttl = redis.call('TTL', KEYS[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  -- A set already made permanent by a purchase past QUOTED stays permanent.
  if ttl ~= -1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
end
return 1
`);

// KEYS[1] record, KEYS[2] unresolved set.
// ARGV: key prefix, reference, JSON list of accepted statuses ('[]' = any, no status change: an update),
//       new status ('' for an update), JSON patch (null = remove the field), ISO time, epoch ms of that time,
//       session id whose other purchases must all still be QUOTED ('' = no such condition; claims only).
// Returns the new JSON, false when the record is missing or its status is not accepted, or an error
// reply "CORRUPT …" when the stored JSON cannot be read.
const mutateScript = new LuaScript(`
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' or type(record.history) ~= 'table' then
  return redis.error_reply('CORRUPT purchase record ' .. ARGV[2])
end
local from, to = cjson.decode(ARGV[3]), ARGV[4]
-- A claim names its session (ARGV[8]): refused if another purchase of that session is past QUOTED.
if ARGV[8] and ARGV[8] ~= '' then
  for _, other in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'purchases:session:' .. ARGV[8])) do
    if other ~= ARGV[2] then
      local otherRaw = redis.call('GET', ARGV[1] .. 'purchase:' .. other)
      if otherRaw then
        local fine, otherRecord = pcall(cjson.decode, otherRaw)
        if fine and type(otherRecord) == 'table' and otherRecord.status ~= 'QUOTED' then return false end
      end
    end
  end
end
if to ~= '' then
  local accepted = false
  for _, status in ipairs(from) do if record.status == status then accepted = true end end
  if not accepted then return false end
end

for field, value in pairs(cjson.decode(ARGV[5])) do
  if value == cjson.null then record[field] = nil else record[field] = value end
end
record.updatedAt = ARGV[6]
if to ~= '' then
  record.status = to
  table.insert(record.history, { status = to, at = ARGV[6] })
end
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')

local prefix, reference = ARGV[1], ARGV[2]
if record.status ~= 'QUOTED' then
  -- Past QUOTED the buy may have been sent: the record and its session index must never expire.
  redis.call('PERSIST', KEYS[1])
  if type(record.sessionId) == 'string' then redis.call('PERSIST', prefix .. 'purchases:session:' .. record.sessionId) end
end

-- Same rule as needsAttention() in ledger.ts.
local finished = record.status == 'SUCCESSFUL' or record.status == 'FAILED'
if record.status == 'CONFIRMING' or record.status == 'UNKNOWN' or (finished and record.notified ~= true) then
  redis.call('SADD', KEYS[2], reference)
else
  redis.call('SREM', KEYS[2], reference)
end

-- Days from 1970-01-01 (H. Hinnant's days_from_civil): the score is createdAt, as the memory ledger
-- orders by creation.
local function epochMs(iso)
  local y, m, d, hh, mm, ss, ms = string.match(iso, '^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)%.?(%d*)Z$')
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
  local days = era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
  return (((days * 24 + tonumber(hh)) * 60 + tonumber(mm)) * 60 + tonumber(ss)) * 1000 + (tonumber(ms) or 0)
end
if record.status ~= 'QUOTED' then
  local created = (type(record.createdAt) == 'string' and epochMs(record.createdAt)) or tonumber(ARGV[7])
  redis.call('ZADD', prefix .. 'purchases:created', 'NX', string.format('%d', created), reference)
end
local withToken = record.status == 'SUCCESSFUL' and type(record.token) == 'string' and record.token ~= ''
for _, phone in ipairs({ record.phone, record.recipient }) do
  if type(phone) == 'string' then
    local key = prefix .. 'purchases:phone:' .. phone
    if withToken then
      local score = (type(record.createdAt) == 'string' and epochMs(record.createdAt)) or tonumber(ARGV[7])
      redis.call('ZADD', key, string.format('%d', score), reference)
    else
      redis.call('ZREM', key, reference)
    end
  end
end
return cjson.encode(record)
`);

export class RedisLedger implements PurchaseLedger {
  private readonly prefix: string;
  private readonly quotedTtlSeconds: number;
  private readonly now: () => Date;

  constructor(
    private readonly client: Redis,
    options: RedisLedgerOptions,
  ) {
    this.prefix = options.keyPrefix;
    this.quotedTtlSeconds = options.quotedTtlSeconds ?? 86_400;
    this.now = options.now ?? (() => new Date());
  }

  async create(purchase: NewPurchase): Promise<PurchaseRecord> {
    const at = this.now().toISOString();
    const record: PurchaseRecord = {
      ...purchase,
      status: "QUOTED",
      history: [{ status: "QUOTED", at }],
      createdAt: at,
      updatedAt: at,
    };
    const keys = [this.recordKey(purchase.reference)];
    if (purchase.sessionId !== undefined) keys.push(this.sessionKey(purchase.sessionId));
    const created = await createScript.run(this.client, keys, [
      JSON.stringify(record),
      this.quotedTtlSeconds,
      purchase.reference,
    ]);
    if (created !== 1) throw new Error(`duplicate purchase reference ${purchase.reference}`);
    return record;
  }

  async get(reference: string): Promise<PurchaseRecord | null> {
    const raw = await this.client.get(this.recordKey(reference));
    return raw === null ? null : this.parse(reference, raw);
  }

  async transition(
    reference: string,
    from: PurchaseStatus[],
    to: PurchaseStatus,
    patch: PurchasePatch = {},
  ): Promise<PurchaseRecord | null> {
    // An empty `from` accepts nothing, as in the memory ledger (and must not read as "an update").
    if (from.length === 0) return null;
    return this.mutate(reference, from, to, patch);
  }

  async update(reference: string, patch: PurchasePatch): Promise<PurchaseRecord | null> {
    return this.mutate(reference, [], "", patch);
  }

  async claim(reference: string, sessionId?: string): Promise<PurchaseRecord | null> {
    return this.mutate(reference, ["QUOTED"], "CONFIRMING", {}, sessionId ?? "");
  }

  async forSession(sessionId: string): Promise<PurchaseRecord[]> {
    const references = await this.client.smembers(this.sessionKey(sessionId));
    const records = await this.getMany(references);
    // A set has no order; oldest first, as the memory ledger keeps insertion order.
    return records.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  async lastWithTokensFor(phone: string): Promise<PurchaseRecord | null> {
    // The newest few, in case a record was removed by hand since it was indexed.
    const references = await this.client.zrevrange(this.phoneKey(phone), 0, 9);
    for (const record of await this.getMany(references)) {
      if (
        record.status === "SUCCESSFUL" &&
        record.token &&
        (record.phone === phone || record.recipient === phone)
      )
        return record;
    }
    return null;
  }

  async unresolved(): Promise<PurchaseRecord[]> {
    const references = await this.client.smembers(this.unresolvedKey());
    return this.getMany(references);
  }

  async createdBetween(from: Date, to: Date, limit: number): Promise<PurchaseRecord[]> {
    // [from, to): `(` excludes the end score.
    const references = await this.client.zrevrangebyscore(
      this.createdKey(),
      `(${to.getTime()}`,
      from.getTime(),
      "LIMIT",
      0,
      limit,
    );
    return this.getMany(references);
  }

  async search(query: PurchaseSearch, limit: number): Promise<PurchaseRecord[]> {
    if ("reference" in query) {
      const record = await this.get(query.reference);
      return record ? [record] : [];
    }
    // No index by phone or meter: read the newest purchases in batches and keep the matches.
    const found: PurchaseRecord[] = [];
    for (let start = 0; start < SEARCH_DEPTH && found.length < limit; start += SEARCH_BATCH) {
      const references = await this.client.zrevrange(this.createdKey(), start, start + SEARCH_BATCH - 1);
      for (const record of await this.getMany(references)) {
        if (matchesSearch(record, query) && found.length < limit) found.push(record);
      }
      if (references.length < SEARCH_BATCH) break;
    }
    return found;
  }

  private async mutate(
    reference: string,
    from: PurchaseStatus[],
    to: PurchaseStatus | "",
    patch: PurchasePatch,
    soleInSession = "",
  ): Promise<PurchaseRecord | null> {
    const at = this.now();
    // undefined → null, so `{ token: undefined }` removes the field as Object.assign does in memory.
    const patchJson = JSON.stringify(patch, (_key, value) => (value === undefined ? null : value));
    let result: unknown;
    try {
      result = await mutateScript.run(
        this.client,
        [this.recordKey(reference), this.unresolvedKey()],
        [
          this.prefix,
          reference,
          JSON.stringify(from),
          to,
          patchJson,
          at.toISOString(),
          at.getTime(),
          soleInSession,
        ],
      );
    } catch (error) {
      if (error instanceof Error && error.message.includes("CORRUPT"))
        throw new Error(`purchase ${reference}: stored record is not valid JSON`, { cause: error });
      throw error;
    }
    return typeof result === "string" ? this.parse(reference, result) : null;
  }

  /** Records in the order of `references`, skipping the ones gone (an expired quote). */
  private async getMany(references: string[]): Promise<PurchaseRecord[]> {
    if (references.length === 0) return [];
    const raws = await this.client.mget(references.map((reference) => this.recordKey(reference)));
    const records: PurchaseRecord[] = [];
    raws.forEach((raw, i) => {
      if (raw !== null) records.push(this.parse(references[i] as string, raw));
    });
    return records;
  }

  private parse(reference: string, raw: string): PurchaseRecord {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new Error(`purchase ${reference}: stored record is not valid JSON`);
    }
    const parsed = recordSchema.safeParse(json);
    if (!parsed.success)
      throw new Error(`purchase ${reference}: stored record is invalid: ${parsed.error.message}`);
    return parsed.data;
  }

  private recordKey(reference: string): string {
    return `${this.prefix}purchase:${reference}`;
  }

  private sessionKey(sessionId: string): string {
    return `${this.prefix}purchases:session:${sessionId}`;
  }

  private phoneKey(phone: string): string {
    return `${this.prefix}purchases:phone:${phone}`;
  }

  private createdKey(): string {
    return `${this.prefix}purchases:created`;
  }

  private unresolvedKey(): string {
    return `${this.prefix}purchases:unresolved`;
  }
}
