import assert from "node:assert/strict";
import { dialledParts, dialParts, splitDialString } from "../../../src/ussd/aggregators/dial.js";

describe("dialledParts", () => {
  it("returns the inputs dialled after the service code, however the code is written", () => {
    assert.deepEqual(dialledParts("*713*5*3#", "713*5"), ["3"]);
    assert.deepEqual(dialledParts("*713*5*3#", "*713*5#"), ["3"]);
    assert.deepEqual(dialledParts("*713*5*3#", "*713*5"), ["3"]);
    assert.deepEqual(dialledParts("*123*1*04040404040*100#", "*123#"), ["1", "04040404040", "100"]);
  });

  it("reads dial strings without the leading * or the closing #", () => {
    assert.deepEqual(dialledParts("713*5*3", "713*5"), ["3"]);
    assert.deepEqual(dialledParts("*713*5*3", "713*5"), ["3"]);
    assert.deepEqual(dialledParts(" *713*5*3# ", "713*5"), ["3"]);
  });

  it("returns [] when nothing extra was dialled", () => {
    assert.deepEqual(dialledParts("*713*5#", "713*5"), []);
    assert.deepEqual(dialledParts("713*5", "*713*5#"), []);
  });

  it("returns [] rather than guessing when the dial string is not the service code's", () => {
    assert.deepEqual(dialledParts("*714*5*3#", "713*5"), []);
    assert.deepEqual(dialledParts("*713*3#", "713*5"), []);
    assert.deepEqual(dialledParts("Hello, this is a test message", "*7006#"), []);
    assert.deepEqual(dialledParts("*713*5*3#", ""), []);
    assert.deepEqual(dialledParts("", "713*5"), []);
  });

  it("ignores empty parts and anything after #", () => {
    assert.deepEqual(dialParts("*713**3#"), ["713", "3"]);
    assert.deepEqual(dialledParts("*713*5*3#9", "713*5"), ["3"]);
  });
});

describe("splitDialString", () => {
  it("takes the longest known code the dial string starts with", () => {
    assert.deepEqual(splitDialString("*920*55*1*2#", ["*920#", "*920*55#"]), {
      serviceCode: "*920*55#",
      dialled: ["1", "2"],
    });
  });

  it("without a matching known code takes the whole string as the code and dials nothing", () => {
    assert.deepEqual(splitDialString("*920*55*1#"), { serviceCode: "*920*55*1#", dialled: [] });
    assert.deepEqual(splitDialString("*920*55*1#", ["*921#"]), { serviceCode: "*920*55*1#", dialled: [] });
    assert.deepEqual(splitDialString(""), { serviceCode: "", dialled: [] });
  });
});
