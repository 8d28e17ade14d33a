import assert from "node:assert/strict";
import {
  fitsSms,
  graphemePrefix,
  gsm7Length,
  smsCapacity,
  smsParts,
  toGsm7,
  ussdCapacity,
} from "../../src/text/gsm7.js";

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

  it("spells vendor text in GSM-7: look-alikes replaced, accents the alphabet lacks dropped", () => {
    assert.equal(toGsm7("“Mma’s” meter – ça va… ok"), '"Mma\'s" meter - ca va... ok');
    assert.equal(toGsm7("Élan ñ €"), "Élan ñ €");
    // Yoruba: ẹ́ and ọ́ are a dotted vowel plus a tone mark (no precomposed form); both marks go.
    assert.equal(toGsm7("Adéwálé Ọlọ́rúnṣọ́lá"), "Adéwalé Olorunsola");
    assert.equal(toGsm7("ẹ́"), "e");
    assert.equal(toGsm7("Nguyễn Văn Ệ"), "Nguyen Van E");
    assert.equal(toGsm7("Nkosi Ntsikelelo"), "Nkosi Ntsikelelo");
    for (const name of ["Adéwálé Ọlọ́rúnṣọ́lá", "Nguyễn Văn Ệ", "garçon Zoë"])
      assert.notEqual(gsm7Length(toGsm7(name)), null, name);
  });

  it("keeps the letters the alphabet has, also when they arrive decomposed", () => {
    assert.equal(toGsm7("é ñ ü à Ä Ö Ñ Ü Å Ç É"), "é ñ ü à Ä Ö Ñ Ü Å Ç É");
    // e + COMBINING ACUTE is é; n + COMBINING TILDE is ñ: the alphabet's own letters, not e and n.
    assert.equal(toGsm7("Jose\u0301 Espan\u0303a"), "José España");
    assert.equal(toGsm7("\u0301alone"), "alone");
  });

  it("keeps what has no GSM-7 spelling instead of turning it into ?, and the text is then UCS-2", () => {
    for (const [text, kept] of [
      ["王小明", "王小明"],
      ["Thanks 🙂", "Thanks 🙂"],
      ["👍🏽 Thabo", "👍🏽 Thabo"],
      ["Łódź ♥", "Łodz ♥"],
    ] as const) {
      const spelled = toGsm7(text);
      assert.equal(spelled, kept);
      assert.ok(!spelled.includes("?"), text);
      assert.equal(gsm7Length(spelled), null);
      assert.equal(smsCapacity(spelled).encoding, "UCS-2");
      assert.equal(ussdCapacity(spelled, 182).limit, 80);
    }
  });

  it("holds a screen or SMS with such a character to the UCS-2 budget: 80 per screen, 70 per SMS part", () => {
    const name = "王小明";
    const screen = `${name}, Electricity 0404040419812\nBWP 100.00 + charge 0.00\n1 Pay\n2 Cancel`;
    assert.ok(screen.length <= 80);
    assert.equal(ussdCapacity(screen, 182).fits, true);
    assert.equal(ussdCapacity(`${screen}${"x".repeat(81 - screen.length)}`, 182).fits, false);
    const sms = `${name} ${"a".repeat(66)}`;
    assert.deepEqual([smsCapacity(sms).length, smsParts(sms)], [70, 1]);
    assert.equal(smsParts(`${sms}a`), 2);
    // A surrogate pair (🙂 is two UTF-16 units) counts two and is never split across parts.
    assert.equal(smsParts(`${"a".repeat(66)}🙂${"a".repeat(66)}`), 3);
  });

  it("shortens in whole graphemes: never half an emoji or a letter without its accent", () => {
    const units = (max: number) => (prefix: string) => prefix.length <= max;
    assert.equal(graphemePrefix("🙂🙂🙂", units(3)), "🙂");
    assert.equal(graphemePrefix("🙂🙂🙂", units(4)), "🙂🙂");
    assert.equal(graphemePrefix("Ọlọ́rún", units(3)), "Ọl"); // ọ́ is ọ + U+0301: all of it or none
    assert.equal(graphemePrefix("Ọlọ́rún", units(4)), "Ọlọ́");
    assert.equal(graphemePrefix("Ọlọ́rún", units(5)), "Ọlọ́r");
    assert.equal(graphemePrefix("👍🏽 ok", units(3)), "");
    assert.equal(graphemePrefix("abc", units(10)), "abc");
    assert.equal(
      graphemePrefix("a€b", (p) => (gsm7Length(p) ?? 99) <= 2),
      "a",
    );
  });
});
