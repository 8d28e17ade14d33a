import type { z } from "zod";

/** The first problem of a refused body, as a short reason for the 400 answer (never the body itself). */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.join(".") || "body";
  if (issue?.code === "invalid_type") return `${field} is missing or has the wrong type`;
  return issue?.message ?? "invalid body";
}
