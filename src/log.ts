import { pino } from "pino";

// Secrets never reach the log: these fields are censored wherever they appear in a logged object.
const redactPaths = [
  "token",
  "*.token",
  "tokens",
  "*.tokens",
  "password",
  "*.password",
  "secret",
  "*.secret",
  "secret_pass",
  "*.secret_pass",
  "client_secret",
  "*.client_secret",
  "apiKey",
  "*.apiKey",
  "access_token",
  "*.access_token",
  "refresh_token",
  "*.refresh_token",
  "authorization",
  "*.authorization",
  "text",
  "*.text",
];

export type Logger = pino.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: "[redacted]" } });
}

/** Phone numbers in logs keep their country part and last two digits only. */
export function maskPhone(phone: string | undefined): string {
  if (!phone) return "";
  const digits = phone.replace(/\D/g, "");
  if (digits.length <= 5) return "***";
  return `${digits.slice(0, 3)}${"*".repeat(digits.length - 5)}${digits.slice(-2)}`;
}
