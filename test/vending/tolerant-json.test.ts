import assert from "node:assert/strict";
import { parseVendorJson } from "../../src/vending/tolerant-json.js";

describe("reading vendor JSON tolerantly (only what the documents print)", () => {
  it("reads strict JSON as JSON", () => {
    assert.deepEqual(parseVendorJson('{"a": [1, "x"], "b": null}'), { a: [1, "x"], b: null });
  });

  it("reads Powershop's bare `00` code as the string of its digits", () => {
    assert.deepEqual(parseVendorJson('{"status": "Success", "code": 00, "data": {"amount": 5000}}'), {
      status: "Success",
      code: "00",
      data: { amount: 5000 },
    });
  });

  it("reads an unquoted date as a string and keeps the rest", () => {
    const body = parseVendorJson(
      '{"data": {"token": "xxxx", "transactionDate": 2020-02-10T10:10:10.000,\n"amount": "7000"}}',
    );
    assert.deepEqual(body, {
      data: { token: "xxxx", transactionDate: "2020-02-10T10:10:10.000", amount: "7000" },
    });
  });

  it("drops a `...` elision of omitted members", () => {
    assert.deepEqual(
      parseVendorJson('{ "operator": { "id": 6, "full_name": "Dealer", ... }, "payer": {} }'),
      {
        operator: { id: 6, full_name: "Dealer" },
        payer: {},
      },
    );
  });

  it("never touches text inside strings", () => {
    assert.deepEqual(parseVendorJson('{"m": "code: 00, on 2020-02-10 ...", "code": 00}'), {
      m: "code: 00, on 2020-02-10 ...",
      code: "00",
    });
  });

  it("refuses truncated, empty and non-JSON bodies rather than guessing", () => {
    assert.equal(parseVendorJson('{"status": "SUCCESSFUL", "product": {"token": "0404'), undefined);
    assert.equal(parseVendorJson('{"status": "SUCCESSFUL", "code": 00'), undefined);
    assert.equal(parseVendorJson(""), undefined);
    assert.equal(parseVendorJson("<html><body>502 Bad Gateway</body></html>"), undefined);
  });
});
