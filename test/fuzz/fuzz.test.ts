// A short fuzz run (npm run fuzz is the long one): generated bodies at every webhook of a running service
// must never crash it, never get a 5xx, always be answered, and invalid ones must never reach the vendor.
import assert from "node:assert/strict";
import { formatRow, runFuzz } from "../../bench/fuzz.js";

describe("fuzzing the webhooks (short run)", function () {
  this.timeout(120_000);

  it("answers a few thousand generated bodies with no crash, no 5xx and no vendor call from invalid ones", async () => {
    const report = await runFuzz({ bodiesPerRoute: 300, seed: 20_260_302 });
    const rows = report.routes.map(formatRow).join("\n");
    assert.ok(report.routes.reduce((n, r) => n + r.sent, 0) >= 3000, rows);
    assert.deepEqual(report.crashes, []);
    for (const route of report.routes) {
      assert.equal(route.fiveXx, 0, rows);
      assert.equal(route.unanswered, 0, rows);
    }
    assert.equal(report.vendorCallsFromInvalid, 0, rows);
    assert.ok(
      report.routes.some((r) => r.phase === "shaped" && (r.answers["2xx"] ?? 0) > 0),
      "some shaped bodies were accepted, so the fuzz reached past the parsers",
    );
    assert.equal(report.healthyAfter, true);
  });
});
