// Money as integer cents: amounts travel as decimal strings ("100.00") and are never summed as floats.

const decimalAmount = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

/** "100", "100.5", "100.50" → 10050; undefined for anything that is not a non-negative amount with ≤ 2 decimals. */
export function toCents(amount: string | number): number | undefined {
  const text = typeof amount === "number" ? (Number.isFinite(amount) ? String(amount) : "") : amount.trim();
  const match = decimalAmount.exec(text);
  if (!match) return undefined;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? "").padEnd(2, "0"));
  return whole * 100 + fraction;
}

/** 10050 → "100.50". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
