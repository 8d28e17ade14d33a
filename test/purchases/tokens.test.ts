import assert from "node:assert/strict";
import { maskTokens, parseTokens } from "../../src/purchases/tokens.js";

describe("parseTokens", () => {
  it("reads a bare token as one entry without description", () => {
    assert.deepEqual(parseTokens("0404 0404 0400 0000 0081"), [{ token: "0404 0404 0400 0000 0081" }]);
  });

  it("keeps three Description: Token pairs in the vendor's order", () => {
    const raw =
      "KeyChange Token1: 8190 1047 0212 0545 2032|KeyChange Token2: 8190 1047 0112 0545 2032|" +
      "Credit Token: 0404 0404 1980 0000 1917";
    assert.deepEqual(parseTokens(raw), [
      { description: "KeyChange Token1", token: "8190 1047 0212 0545 2032" },
      { description: "KeyChange Token2", token: "8190 1047 0112 0545 2032" },
      { description: "Credit Token", token: "0404 0404 1980 0000 1917" },
    ]);
  });

  it("tolerates odd spacing and empty parts", () => {
    const raw =
      "  KeyChange   Token1 :8190 1047  0212 0545 2032 | |Credit Token:   0404 0404 1980 0000 1917 |";
    assert.deepEqual(parseTokens(raw), [
      { description: "KeyChange Token1", token: "8190 1047 0212 0545 2032" },
      { description: "Credit Token", token: "0404 0404 1980 0000 1917" },
    ]);
  });

  it("treats a part without a colon as a token without description, in place", () => {
    assert.deepEqual(parseTokens("1111 2222 3333 4444 5555|Credit Token: 0404 0404 1980 0000 1917"), [
      { token: "1111 2222 3333 4444 5555" },
      { description: "Credit Token", token: "0404 0404 1980 0000 1917" },
    ]);
  });

  it("finds nothing in an empty field or a description without token", () => {
    assert.deepEqual(parseTokens(""), []);
    assert.deepEqual(parseTokens("  |  "), []);
    assert.deepEqual(parseTokens("Credit Token:"), []);
  });
});

describe("maskTokens", () => {
  it("hides all but the last 4 digits of token-like runs, however grouped", () => {
    assert.equal(maskTokens("Token: 0404 0404 0400 0000 0081."), "Token: **** **** **** **** 0081.");
    assert.equal(maskTokens("04040404000000000081"), "****************0081");
    assert.equal(maskTokens("8190-1047-0212-0545-2032"), "****-****-****-****-2032");
  });

  it("leaves meters, amounts and phone numbers readable", () => {
    const text = "Meter Number 0404040419812, BWP 10000.00, to 26771436390";
    assert.equal(maskTokens(text), text);
  });
});
