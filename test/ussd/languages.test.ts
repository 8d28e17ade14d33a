// More than one catalogue in LANGUAGES: a phone's first dial asks its language once, every screen after
// is in it, and its next dials remember it. The product ships English only, so the second catalogue here
// is a test one built from it (a real one must be written by a native speaker: see the README).
import assert from "node:assert/strict";
import request from "supertest";
import { type Catalogue, en } from "../../machines/copy/en.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { buildService, type Service } from "../../src/main.js";

const pseudo = {
  ...en,
  languageName: "Pseudo",
  menu: { ...en.menu, title: "[xx] Buy:" },
} satisfies Catalogue;

describe("customer languages", function () {
  this.timeout(30_000);
  let service: Service;
  let session = 0;
  before(async () => {
    const config = loadConfig({ LANGUAGES: "en,xx", LOG_LEVEL: "silent" });
    service = await buildService(config, createLogger("silent"), { catalogues: { en, xx: pseudo } });
  });
  after(async () => {
    await service.close();
  });

  const dial = (phone: string) => {
    const sessionId = `ATUid_lang_${++session}`;
    return (text: string) =>
      request(service.app)
        .post("/ussd/africastalking")
        .type("form")
        .send({ sessionId, serviceCode: "*384*123#", phoneNumber: phone, text })
        .then((res) => res.text);
  };

  it("asks a new phone its language once, then speaks it, and remembers it on the next dial", async () => {
    const first = dial("+26771800001");
    assert.equal(await first(""), "CON 1 English\n2 Pseudo");
    assert.match(await first("3"), /^CON Invalid choice\.\n1 English\n2 Pseudo$/);
    assert.match(await first("3*2"), /^CON \[xx\] Buy:/);
    const again = dial("+26771800001");
    assert.match(await again(""), /^CON \[xx\] Buy:/, "no language question the second time");
    const other = dial("+26771800002");
    assert.match(await other(""), /^CON 1 English/, "another phone is asked");
  });

  it("refuses at startup a language without a catalogue, naming LANGUAGES", async () => {
    const config = loadConfig({ LANGUAGES: "en,zz", LOG_LEVEL: "silent" });
    await assert.rejects(
      () => buildService(config, createLogger("silent")),
      (error: unknown) =>
        error instanceof ConfigError && /LANGUAGES: no catalogue for zz/.test(error.message),
    );
  });
});
