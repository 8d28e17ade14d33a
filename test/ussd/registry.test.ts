// The aggregator registry is the one list: every aggregator in it is served at /ussd/<name> behind the guard
// its USSD_<NAME>_* variables configure, and a variable naming no registered aggregator stops startup.
import assert from "node:assert/strict";
import request from "supertest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { securityVariables } from "../../src/http/webhook-security.js";
import { AGGREGATOR_NAMES, registeredAggregators } from "../../src/ussd/aggregators/registry.js";
import { type Rig, startRig } from "../helpers/journey.js";

/** A distinct secret per aggregator, so a route guarded by another aggregator's secret would show. */
const secretOf = (name: string) => `${name}-webhook-secret-0123456789`;

/** Each mounted URL of each registered aggregator, path parameters filled in. */
const routes = registeredAggregators([]).flatMap(({ name, adapter }) =>
  adapter.paths.map((path) => ({
    name,
    method: adapter.method,
    url: `/ussd/${name}${path.replace(/:sessionId/, "reg-1").replace(/:action/, "start")}`,
  })),
);

describe("aggregator registry", function () {
  this.timeout(20_000);
  let rig: Rig;

  before(async () => {
    const env = Object.fromEntries(
      AGGREGATOR_NAMES.map((name) => [securityVariables(name).secret, secretOf(name)]),
    );
    rig = await startRig(env);
  });
  after(async () => {
    await rig.close();
  });

  const call = (route: (typeof routes)[number], key?: string) => {
    const url = key === undefined ? route.url : `${route.url}?key=${encodeURIComponent(key)}`;
    return route.method === "GET"
      ? request(rig.service.app).get(url)
      : request(rig.service.app).post(url).send({});
  };

  it("serves every registered aggregator, each refusing a call without its own secret", async () => {
    assert.deepEqual([...new Set(routes.map((r) => r.name))], AGGREGATOR_NAMES);
    for (const route of routes) {
      const other = AGGREGATOR_NAMES.find((name) => name !== route.name) ?? "";
      assert.equal((await call(route)).status, 403, `${route.method} ${route.url} without a secret`);
      assert.equal((await call(route, secretOf(other))).status, 403, `${route.url} with ${other}'s secret`);
      // Past the guard the adapter answers (an empty body is refused with 400): the route exists.
      const admitted = await call(route, secretOf(route.name));
      assert.ok(![403, 404].includes(admitted.status), `${route.url} with its secret: ${admitted.status}`);
    }
    assert.equal(rig.sandbox.stats.productLists, 0, "no refused call reached the vendor");
  });

  it("refuses at startup a security variable naming no registered aggregator, naming the variable", () => {
    for (const variable of ["USSD_AFRICAS_TALKING_SECRET", "USSD_MTN_ALLOW_IPS", "USSD_HUBTELL_BASIC_AUTH"]) {
      assert.throws(
        () => loadConfig({ [variable]: "a-value-long-enough-0123456789" }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, new RegExp(`${variable}: no aggregator is named`));
          return true;
        },
      );
    }
    // The registered names' own variables, and other USSD_ settings, are accepted.
    const config = loadConfig({ USSD_HOLLATAGS_SECRET: secretOf("hollatags"), USSD_SCREEN_LIMIT: "160" });
    assert.equal(config.webhookSecurity.hollatags.secret, secretOf("hollatags"));
    assert.deepEqual(Object.keys(config.webhookSecurity), AGGREGATOR_NAMES);
  });
});
