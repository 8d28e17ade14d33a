import assert from "node:assert/strict";
import { fitsSms, gsm7Length, smsParts, toGsm7, ussdCapacity } from "../../src/text/gsm7.js";

// The whole GSM 03.38 default alphabet except ESC, typed independently of the implementation.
const BASIC_TABLE =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

describe("GSM-7 counting", () => {
  it("counts every character of the basic table as one", () => {
    assert.equal([...BASIC_TABLE].length, 127);
    assert.equal(gsm7Length(BASIC_TABLE), 127);
  });

  it("counts extension characters and form feed as two", () => {
    assert.equal(gsm7Length("^{}[]~\\|€"), 18);
    assert.equal(gsm7Length("\f"), 2);
    assert.equal(gsm7Length("Pay €5 [now]"), 15);
  });

  it("returns null as soon as one character is outside GSM-7", () => {
    assert.equal(gsm7Length("Ref “ABC”"), null);
    assert.equal(gsm7Length("Thanks 🙂"), null);
    assert.equal(gsm7Length("garçon"), null); // only the capital Ç is in the alphabet
    assert.equal(gsm7Length("tab\there"), null);
    assert.equal(gsm7Length("\u2126"), null); // OHM SIGN looks like Ω but is not the Greek letter
  });

  it("fits one SMS part up to 160 GSM-7 characters, or 70 when the text needs UCS-2", () => {
    assert.equal(fitsSms("a".repeat(160)), true);
    assert.equal(fitsSms("a".repeat(161)), false);
    assert.equal(fitsSms("€".repeat(80)), true);
    assert.equal(fitsSms("€".repeat(81)), false);
    assert.equal(fitsSms(`“${"a".repeat(68)}”`), true);
    assert.equal(fitsSms(`“${"a".repeat(69)}”`), false);
  });

  it("counts billed parts without splitting an escape pair", () => {
    assert.equal(smsParts("a".repeat(160)), 1);
    assert.equal(smsParts("a".repeat(161)), 2);
    assert.equal(smsParts("a".repeat(306)), 2);
    assert.equal(smsParts("a".repeat(307)), 3);
    // 306 septets, but the € cannot straddle parts 1 and 2, so a third part is needed.
    assert.equal(smsParts(`${"a".repeat(152)}€${"a".repeat(152)}`), 3);
    assert.equal(smsParts("é".repeat(71).replace("é", "“")), 2);
  });

  it("measures a USSD screen against the aggregator limit, or 80 when it needs UCS-2", () => {
    assert.equal(ussdCapacity("a".repeat(182)).fits, true);
    assert.equal(ussdCapacity("a".repeat(183)).fits, false);
    assert.deepEqual(ussdCapacity("a".repeat(100), 120), {
      encoding: "GSM-7",
      length: 100,
      limit: 120,
      remaining: 20,
      fits: true,
    });
    const curly = `“${"a".repeat(80)}”`;
    assert.equal(ussdCapacity(curly).encoding, "UCS-2");
    assert.equal(ussdCapacity(curly).limit, 80);
    assert.equal(ussdCapacity(curly).fits, false);
    assert.equal(ussdCapacity("“hi”", 60).limit, 60);
  });

  it("rewrites vendor text into GSM-7 instead of letting it switch the SMS to UCS-2", () => {
    assert.equal(toGsm7("“Mma’s” meter – ça va… ♥"), '"Mma\'s" meter - ca va... ?');
    assert.equal(toGsm7("Élan ñ €"), "Élan ñ €");
    assert.notEqual(gsm7Length(toGsm7("Zoë’s 🙂 café")), null);
  });
});
