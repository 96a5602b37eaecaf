import assert = require("node:assert/strict");
import { parse } from "yaml";
import { PROFILE_IDS, RULES, RULE_IDS, ruleById, severityFor, validate, type Topology } from "../../provider/rules";
import { formatInputError, loadTopologyText } from "../../provider/topology/load";

describe("rules catalogue", () => {
  it("has one RuleDefinition for every rule id, in RULE_IDS order", () => {
    assert.deepEqual(
      RULES.map((r) => r.id),
      [...RULE_IDS],
    );
    for (const id of RULE_IDS) assert.equal(ruleById(id)?.id, id);
    assert.equal(ruleById("no-such-rule"), undefined);
  });

  for (const rule of RULES) {
    describe(rule.id, () => {
      it("is documented: title, description, source, profiles, why, failing and passing topologies", () => {
        assert.ok(rule.title.length > 0);
        assert.ok(rule.description.length > 20);
        assert.ok(rule.source.length > 0);
        assert.ok(rule.profiles.length > 0);
        for (const p of rule.profiles) assert.ok((PROFILE_IDS as readonly string[]).includes(p));
        for (const p of rule.profiles) assert.ok(["error", "warning"].includes(severityFor(rule, p)));
        assert.ok(rule.docs.why.length > 40);
        assert.ok(rule.docs.failing.includes("profile:"));
        assert.ok(rule.docs.passing.includes("profile:"));
      });

      it("fires on its docs.failing topology", () => {
        const topology = parse(rule.docs.failing) as Topology;
        const hits = validate(topology, rule.docs.observed?.failing).filter((v) => v.rule === rule.id);
        assert.ok(hits.length > 0, `${rule.id} did not fire on its failing snippet`);
        for (const v of hits) {
          assert.ok(v.message.length > 0 && v.resource.length > 0);
          assert.ok(rule.profiles.includes(v.profile));
        }
      });

      it("documents topologies that the topology loader accepts, and that behave the same once loaded", () => {
        for (const which of ["failing", "passing"] as const) {
          const loaded = loadTopologyText(rule.docs[which], `${rule.id}.${which}.yaml`);
          if ("errors" in loaded) assert.fail(`${rule.id} docs.${which}: ${loaded.errors.map(formatInputError).join("; ")}`);
          const hits = validate(loaded.topology, rule.docs.observed?.[which]).filter((v) => v.rule === rule.id);
          assert.equal(hits.length > 0, which === "failing", `${rule.id} docs.${which}`);
        }
      });

      it("does not fire on its docs.passing topology", () => {
        const topology = parse(rule.docs.passing) as Topology;
        const hits = validate(topology, rule.docs.observed?.passing).filter((v) => v.rule === rule.id);
        assert.deepEqual(hits, []);
      });
    });
  }
});
