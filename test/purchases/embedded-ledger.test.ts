// The product on its embedded defaults: no DATABASE_URL, so the ledger is PGlite in this process. The
// money path works on it end to end, and with LEDGER_DIR purchases outlive a restart.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { option, type Rig, startRig, type UssdDialog } from "../helpers/journey.js";

async function buy(dialog: UssdDialog, meter: string): Promise<string> {
  const menu = await dialog.start();
  await dialog.send(option(menu, "Electricity"));
  await dialog.send(meter);
  await dialog.send("50");
  return dialog.send("1");
}

describe("the embedded ledger (PGlite, DATABASE_URL unset)", function () {
  this.timeout(60_000);
  const rigs: Rig[] = [];
  const dirs: string[] = [];
  const start = async (env: Record<string, string>) => {
    const rig = await startRig({ DATABASE_URL: "", ...env }, { confirmHangMs: 1500 });
    rigs.push(rig);
    return rig;
  };
  afterEach(async () => {
    for (const rig of rigs.splice(0)) await rig.close();
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("reports PGlite in /health and sells a token, and resolves a hanging buy with one confirm", async () => {
    const rig = await start({});
    const health = await request(rig.service.app).get("/health");
    assert.equal(health.status, 200);
    assert.equal(health.body.ledger, "pglite");

    assert.match(await buy(rig.dial("+26771900001"), "04040404040"), /^END Paid/);
    assert.match((await rig.waitForSms("+26771900001", 1))[0] ?? "", /0404 0404 0400 0000 0081/);

    const hanging = await buy(rig.dial("+26771900002"), "04040404022");
    assert.doesNotMatch(hanging, /unavailable|failed/i);
    assert.match((await rig.waitForSms("+26771900002", 1, 15_000))[0] ?? "", /0404 0404 0220 0000 0022/);
    for (const count of rig.sandbox.stats.confirms.values()) assert.equal(count, 1, "one confirm each");
  });

  it("keeps purchases in LEDGER_DIR across a restart: the last tokens can still be sent", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ledger-"));
    dirs.push(dir);
    const phone = "+26771900003";
    const first = await start({ LEDGER_DIR: dir });
    assert.match(await buy(first.dial(phone), "04040404040"), /^END Paid/);
    const [token] = await first.waitForSms(phone, 1);
    await first.close();
    rigs.splice(rigs.indexOf(first), 1);

    const second = await start({ LEDGER_DIR: dir });
    const dialog = second.dial(phone);
    const menu = await dialog.start();
    assert.match(await dialog.send(option(menu, "My last tokens")), /^END Your last tokens are on their way/);
    assert.equal((await second.waitForSms(phone, 1))[0], token);
  });
});
