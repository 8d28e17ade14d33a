// Environment → typed configuration. Every bad variable is reported by name at startup.
import { z } from "zod";
import { type WebhookSecurity, webhookSecurityFromEnv } from "./http/webhook-security.js";
import { parseOperatorUsers } from "./operator/auth.js";
import { AGGREGATOR_NAMES, type AggregatorName } from "./ussd/aggregators/registry.js";

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).max(3_600_000).default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(1).max(1000).default(fallback);
const amount = (fallback: string) =>
  z
    .string()
    .regex(/^\d{1,9}(\.\d{1,2})?$/, "must be a positive amount with at most 2 decimals")
    .default(fallback)
    // Shown to customers as typed here: always with two decimals ("100000" → "100000.00").
    .transform((v) => Number(v).toFixed(2));
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

function isTimeZone(zone: string | undefined): boolean {
  if (zone === undefined) return true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    REDIS_URL: optionalText.pipe(
      z
        .string()
        .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
        .optional(),
    ),
    DATABASE_URL: optionalText.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
        .optional(),
    ),
    LEDGER_DIR: optionalText,
    VENDOR: z.enum(["scratchpower", "scratchpower-current", "powershop"]).default("scratchpower"),
    SCRATCHPOWER_URL: optionalText.pipe(
      z.url("must be a URL such as https://api.scratchpower.com").optional(),
    ),
    SCRATCHPOWER_CLIENT_ID: optionalText,
    SCRATCHPOWER_CLIENT_SECRET: optionalText,
    SCRATCHPOWER_USERNAME: optionalText,
    SCRATCHPOWER_PASSWORD: optionalText,
    SCRATCHPOWER_ORG_CODE: optionalText,
    SCRATCHPOWER_ACCOUNT_ID: optionalText,
    SCRATCHPOWER_SOURCE_TAG: optionalText,
    SCRATCHPOWER_TIME_ZONE: optionalText.refine(
      isTimeZone,
      "must be an IANA time zone, e.g. Africa/Gaborone",
    ),
    POWERSHOP_URL: optionalText.pipe(z.url("must be a URL").optional()),
    POWERSHOP_USERNAME: optionalText,
    POWERSHOP_SECRET: optionalText,
    POWERSHOP_NOT_FOUND_SETTLE_MS: milliseconds(60_000),
    KEY_PREFIX: z.string().min(1).default("ussd:"),
    SMS_PROVIDER: z.enum(["log", "africastalking"]).default("log"),
    SMS_SOURCE_CHANNEL: optionalText,
    AFRICASTALKING_USERNAME: optionalText,
    AFRICASTALKING_API_KEY: optionalText,
    AFRICASTALKING_SENDER_ID: optionalText,
    AFRICASTALKING_SMS_URL: optionalText.pipe(z.url("must be a URL").optional()),
    LOCALE: z
      .string()
      .regex(/^[a-z]{2}-[A-Z]{2}$/, "must look like en-BW (language-REGION)")
      .default("en-BW"),
    CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be a 3-letter currency code such as BWP")
      .default("BWP"),
    /** Customer languages offered (catalogue codes, e.g. `en`); main.ts checks each has a catalogue. */
    LANGUAGES: z
      .string()
      .default("en")
      .transform((value) => value.split(",").map((code) => code.trim()))
      .pipe(z.array(z.string().regex(/^[a-z]{2,3}$/, "must be language codes such as en,tn")).min(1)),
    USSD_SESSION_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(180),
    CONFIRM_WAIT_MS: milliseconds(4000),
    AMOUNT_MIN: amount("1.00"),
    AMOUNT_MAX: amount("5000.00"),
    VENDOR_TIMEOUT_MS: milliseconds(4000),
    CONFIRM_TIMEOUT_MS: milliseconds(30_000),
    RESOLVE_ATTEMPTS: count(12),
    RESOLVE_BACKOFF_MS: milliseconds(5000),
    RESOLVE_MAX_BACKOFF_MS: milliseconds(300_000),
    SMS_ATTEMPTS: count(10),
    SMS_BACKOFF_MS: milliseconds(2000),
    USSD_SCREEN_LIMIT: z.coerce.number().int().min(60).max(182).default(182),
    USSD_REPLY_BUDGET_MS: milliseconds(10_000),
    SANDBOX_CONFIRM_HANG_MS: milliseconds(45_000),
    WORKERS: z.enum(["on", "off"]).default("on"),
    USSD_NEW_SESSIONS_PER_MINUTE: count(5),
    USSD_REPEAT_WINDOW_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
    USSD_SERVICE_CODES: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((c) => c.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^\*?\d+(\*\d+)*#?$/, "each code must look like *920*55#"))),
    TRUST_PROXY: z
      .string()
      .regex(/^(off|on|\d{1,2})$/, "must be off, on, or the number of proxies in front")
      .default("off"),
    // The operator page and the simulator (src/operator/auth.ts says who may open them).
    OPERATOR_USERS: optionalText.superRefine((users, ctx) => {
      try {
        if (users) parseOperatorUsers(users);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
      }
    }),
    OPERATOR_TOKEN: optionalText.pipe(z.string().min(16, "must be at least 16 characters").optional()),
    SIMULATOR: z.enum(["on", "off"]).optional(),
    SMS_MESSAGES_PER_MINUTE: count(6),
    SMS_QUOTES_PER_HOUR: count(10),
    SMS_QUOTE_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(600),
    RECOVERY_INTERVAL_MS: milliseconds(30_000),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((c, ctx) => {
    if (Number(c.AMOUNT_MIN) <= 0)
      ctx.addIssue({ code: "custom", path: ["AMOUNT_MIN"], message: "must be above 0" });
    if (Number(c.AMOUNT_MIN) > Number(c.AMOUNT_MAX)) {
      ctx.addIssue({ code: "custom", path: ["AMOUNT_MAX"], message: "must not be below AMOUNT_MIN" });
    }
    if (c.CONFIRM_WAIT_MS >= c.USSD_REPLY_BUDGET_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["CONFIRM_WAIT_MS"],
        message: "must be below USSD_REPLY_BUDGET_MS",
      });
    }
    if (c.VENDOR_TIMEOUT_MS >= c.USSD_REPLY_BUDGET_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["VENDOR_TIMEOUT_MS"],
        message: "must be below USSD_REPLY_BUDGET_MS",
      });
    }
    // Several instances share sessions through Redis, so they must share one ledger too: PGlite is one
    // process's own.
    if (c.REDIS_URL && !c.DATABASE_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_URL"],
        message: "is required when REDIS_URL is set (every instance must share one PostgreSQL ledger)",
      });
    }
    if (c.DATABASE_URL && c.LEDGER_DIR) {
      ctx.addIssue({
        code: "custom",
        path: ["LEDGER_DIR"],
        message: "is for the embedded ledger only: unset it, or DATABASE_URL",
      });
    }
    if (c.SMS_PROVIDER === "africastalking") {
      for (const name of ["AFRICASTALKING_USERNAME", "AFRICASTALKING_API_KEY"] as const) {
        if (!c[name])
          ctx.addIssue({
            code: "custom",
            path: [name],
            message: "is required when SMS_PROVIDER=africastalking",
          });
      }
    }
    if (c.POWERSHOP_URL) {
      for (const name of ["POWERSHOP_USERNAME", "POWERSHOP_SECRET"] as const) {
        if (!c[name])
          ctx.addIssue({ code: "custom", path: [name], message: "is required when POWERSHOP_URL is set" });
      }
    }
    if (c.SCRATCHPOWER_URL) {
      for (const name of [
        "SCRATCHPOWER_CLIENT_ID",
        "SCRATCHPOWER_CLIENT_SECRET",
        "SCRATCHPOWER_USERNAME",
        "SCRATCHPOWER_PASSWORD",
        "SCRATCHPOWER_ORG_CODE",
      ] as const) {
        if (!c[name])
          ctx.addIssue({ code: "custom", path: [name], message: "is required when SCRATCHPOWER_URL is set" });
      }
    }
  });

export type Config = z.output<typeof schema> & { webhookSecurity: Record<AggregatorName, WebhookSecurity> };

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Powershop sells in Nigeria: its locale (phone numbers read as NG) and currency unless set. */
function withVendorDefaults(env: Record<string, string | undefined>): Record<string, string | undefined> {
  if (env.VENDOR !== "powershop") return env;
  return { ...env, LOCALE: env.LOCALE || "en-NG", CURRENCY: env.CURRENCY || "NGN" };
}

/** Reads the configuration; throws one ConfigError listing every bad variable by name. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(withVendorDefaults(env));
  // Every registered aggregator gets its security here, and a variable naming any other is refused.
  const { security: webhookSecurity, problems } = webhookSecurityFromEnv(AGGREGATOR_NAMES, env);
  if (!parsed.success || problems.length > 0) {
    const issues = parsed.error?.issues ?? [];
    const lines = issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${[...lines, ...problems].join("\n  ")}`);
  }
  const config: Config = { ...parsed.data, webhookSecurity };
  if (config.WORKERS === "off" && !config.REDIS_URL) {
    throw new ConfigError(
      "Invalid configuration:\n  WORKERS: off needs REDIS_URL (another process must run the background work)",
    );
  }
  return config;
}
