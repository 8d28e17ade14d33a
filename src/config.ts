// Environment → typed configuration. Every bad variable is reported by name at startup.
import { z } from "zod";

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).max(3_600_000).default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(1).max(1000).default(fallback);
const amount = (fallback: string) =>
  z
    .string()
    .regex(/^\d{1,9}(\.\d{1,2})?$/, "must be a positive amount with at most 2 decimals")
    .default(fallback);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    REDIS_URL: optionalText.pipe(
      z
        .string()
        .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
        .optional(),
    ),
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

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads the configuration; throws one ConfigError listing every bad variable by name. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  const config = parsed.data;
  // Honest about what this build can do, rather than silently running something else.
  if (config.VENDOR !== "scratchpower") {
    throw new ConfigError(
      `Invalid configuration:\n  VENDOR: ${config.VENDOR} is not supported yet (use scratchpower)`,
    );
  }
  if (config.WORKERS === "off" && !config.REDIS_URL) {
    throw new ConfigError(
      "Invalid configuration:\n  WORKERS: off needs REDIS_URL (another process must run the background work)",
    );
  }
  return config;
}
