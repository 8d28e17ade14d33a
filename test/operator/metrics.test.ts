// GET /metrics after real journeys through the real app: each family counts what happened, with bounded
// labels only (no phone number, meter or reference anywhere in the exposition).
import assert from "node:assert/strict";
import request from "supertest";
import { option, type Rig, startRig, type UssdDialog } from "../helpers/journey.js";
import { sample } from "../helpers/prometheus.js";

/** Menu → electricity → meter → amount: the quote screen. */
async function quote(dialog: UssdDialog, meter: string): Promise<string> {
  const menu = await dialog.start();
  await dialog.send(option(menu, "Electricity"));
  await dialog.send(meter);
  return dialog.send("45");
}

async function buy(dialog: UssdDialog, meter: string): Promise<string> {
  await quote(dialog, meter);
  return dialog.send("1");
}

describe("metrics", function () {
  this.timeout(30_000);
  let rig: Rig;
  before(async () => {
    // The resolver waits an hour, so an ambiguous buy stays open while it is counted.
    rig = await startRig({ RESOLVE_BACKOFF_MS: "3600000", USSD_NEW_SESSIONS_PER_MINUTE: "50" });
  });
  after(async () => {
    await rig.close();
  });

  const scrape = async () => {
    const res = await request(rig.service.app).get("/metrics");
    assert.equal(res.status, 200);
    assert.match(res.headers["content-type"] ?? "", /text\/plain/);
    return res.text;
  };

  it("counts a purchase's callbacks, session, vendor calls, status and SMS, naming no customer", async () => {
    const phone = "+26771700001";
    const paid = await buy(rig.dial(phone), "04040404040");
    assert.match(paid, /^END Paid/);
    const reference = /Ref (\w+)/.exec(paid)?.[1];
    assert.ok(reference);
    await rig.waitForSms(phone, 1);
    const text = await scrape();

    const at = { aggregator: "africastalking" };
    // Dial, product, meter, amount (the quote), pay: four continuing screens and the end.
    assert.equal(sample(text, "vending_ussd_callbacks_total", { ...at, outcome: "continue" }), 4);
    assert.equal(sample(text, "vending_ussd_callbacks_total", { ...at, outcome: "end" }), 1);
    assert.equal(sample(text, "vending_ussd_reply_seconds_count", at), 5);
    assert.equal(sample(text, "vending_ussd_sessions_total", { ...at, event: "started" }), 1);
    assert.equal(sample(text, "vending_ussd_sessions_total", { ...at, event: "completed" }), 1);
    const bought = { vendor: "scratchpower", product: "ELECTRICITY" };
    assert.equal(sample(text, "vending_purchases_total", { ...bought, status: "QUOTED" }), 1);
    assert.equal(sample(text, "vending_purchases_total", { ...bought, status: "CONFIRMING" }), 1);
    assert.equal(sample(text, "vending_purchases_total", { ...bought, status: "SUCCESSFUL" }), 1);
    assert.equal(
      sample(text, "vending_vendor_call_seconds_count", { vendor: "scratchpower", endpoint: "buy" }),
      1,
    );
    assert.equal(sample(text, "vending_sms_total", { gateway: "africastalking", event: "sent" }), 1);
    assert.equal(sample(text, "vending_store_up", { store: "memory" }), 1);
    assert.notEqual(sample(text, "vending_job_queue_depth", { queue: "sms" }), undefined);

    for (const secret of ["71700001", "04040404040", reference, "0404 0404 0400"]) {
      assert.ok(!text.includes(secret), `metrics expose ${secret}`);
    }
  });

  it("counts a refused quote as a vendor error of its endpoint, and a delivery report", async () => {
    const refused = await quote(rig.dial("+26771700002"), "04040404011");
    assert.match(refused, /blocked/i);
    const report = await request(rig.service.app)
      .post("/sms/africastalking/delivery")
      .type("form")
      .send({ id: "ATXid_metrics_1", status: "Success", phoneNumber: "+26771700002" });
    assert.equal(report.status, 200);
    const text = await scrape();
    assert.equal(
      sample(text, "vending_vendor_call_errors_total", {
        vendor: "scratchpower",
        endpoint: "quote",
        kind: "rejected",
      }),
      1,
    );
    assert.equal(sample(text, "vending_sms_delivery_reports_total", { outcome: "delivered" }), 1);
  });

  it("shows an ambiguous purchase as open, with its age", async () => {
    // The sandbox holds this meter's confirm past CONFIRM_TIMEOUT_MS: the outcome is unknown.
    const pending = await buy(rig.dial("+26771700003"), "04040404022");
    assert.match(pending, /^END .*SMS/);
    const until = Date.now() + 10_000;
    let open: number | undefined;
    let text = "";
    while (Date.now() < until) {
      text = await scrape();
      open = sample(text, "vending_purchases_open", { state: "UNKNOWN" });
      if (open === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(open, 1);
    assert.ok((sample(text, "vending_purchase_unknown_oldest_age_seconds") ?? 0) > 0);
    assert.equal(
      sample(text, "vending_purchases_total", {
        vendor: "scratchpower",
        product: "ELECTRICITY",
        status: "UNKNOWN",
      }),
      1,
    );
  });
});
