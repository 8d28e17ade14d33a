import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pino } from "pino";
import { LogSmsSender } from "../../../src/notify/gateways/log.js";
import { tokenMessages } from "../../../src/notify/messages.js";

/** A logger whose output lands in `lines`, as the operator would read it. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: "info" }, destination), lines };
}

const TOKENS = ["8190 1047 0212 0545 2032", "8190 1047 0112 0545 2032", "0404 0404 1980 0000 1917"] as const;

describe("log SMS gateway", () => {
  it("writes each SMS to the log with tokens and the phone masked", async () => {
    const { logger, lines } = capturedLogger();
    const sender = new LogSmsSender(logger);
    const messages = tokenMessages({
      reference: "PX7K2M9Q4T",
      productName: "Electricity",
      subscriberLabel: "Meter Number",
      subscriberId: "04040404198",
      amount: "100.00",
      currency: "BWP",
      units: "8.1 kWh",
      token: `KeyChange Token1: ${TOKENS[0]}|KeyChange Token2: ${TOKENS[1]}|Credit Token: ${TOKENS[2]}`,
    });
    for (const text of messages) await sender.send({ to: "26771436390", text });

    assert.equal(lines.length, 3);
    const output = lines.join("");
    for (const token of TOKENS) {
      assert.ok(!output.includes(token), `token ${token} leaked`);
      assert.ok(!output.includes(token.replace(/ /g, "")), `token ${token} leaked without spaces`);
      assert.ok(!output.includes(token.slice(0, 14)), `start of token ${token} leaked`);
    }
    assert.ok(!output.includes("26771436390"), "phone number leaked");

    const [first] = lines.map((line) => JSON.parse(line));
    assert.equal(first.sms.to, "267******90");
    assert.match(first.sms.body, /enter this first:\n\*\*\*\* \*\*\*\* \*\*\*\* \*\*\*\* 2032\n/);
    assert.match(first.sms.body, /Meter Number 04040404198\. Ref PX7K2M9Q4T$/);
    assert.equal(first.sms.parts, 1);
  });

  it("masks a bare token written without spaces", async () => {
    const { logger, lines } = capturedLogger();
    await new LogSmsSender(logger).send({ to: "26771436390", text: "Token 04040404000000000081 Ref X" });
    assert.ok(!lines.join("").includes("0404040400000000"));
    assert.ok(lines.join("").includes("****************0081"));
  });

  it("returns a distinct synthetic message id for each SMS", async () => {
    const sender = new LogSmsSender(capturedLogger().logger);
    const a = await sender.send({ to: "26771436390", text: "one" });
    const b = await sender.send({ to: "26771436390", text: "two" });
    assert.ok(a.messageId?.startsWith("log-"));
    assert.notEqual(a.messageId, b.messageId);
    assert.equal(sender.name, "log");
  });

  it("keeps the last messages whole, per phone, for the simulator's inbox, and only the last 500", async () => {
    const { logger, lines } = capturedLogger();
    const sender = new LogSmsSender(logger);
    await sender.send({ to: "26771436390", text: "Token 04040404000000000081 Ref X" });
    await sender.send({ to: "26771436391", text: "other phone" });
    assert.deepEqual(
      sender.inbox("26771436390").map((sms) => sms.text),
      ["Token 04040404000000000081 Ref X"],
    );
    assert.ok(!lines.join("").includes("04040404000000000081"), "whole only in memory, never in the log");
    for (let i = 0; i < 500; i++) await sender.send({ to: "26771436391", text: `n${i}` });
    assert.deepEqual(sender.inbox("26771436390"), []);
    assert.equal(sender.inbox("26771436391").length, 500);
  });
});
