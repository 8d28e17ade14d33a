// `npm run operator-password`: reads a password on stdin, prints the hash to put after `name:` in
// OPERATOR_USERS. Read from stdin, not the command line, so it stays out of shell history.
import { createInterface } from "node:readline/promises";
import { hashOperatorPassword } from "./auth.js";

const input = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
process.stderr.write("Password: ");
const password = (await input[Symbol.asyncIterator]().next()).value as string | undefined;
input.close();
if (!password || password.length < 12) {
  console.error("The password must have at least 12 characters.");
  process.exit(1);
}
console.log(await hashOperatorPassword(password));
