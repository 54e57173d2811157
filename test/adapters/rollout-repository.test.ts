// The RolloutRepository contract, on SQLite and on Table Storage (Azurite): the highest revision wins,
// whichever connection saves it; listings are newest request first and select by status.

import { describe, expect, it } from "vitest";
import { planRollout } from "../../shared/domain/rollout/rollout-plan.ts";
import { DEFAULT_ROLLOUT_POLICY } from "../../shared/domain/rollout/rollout-policy.ts";
import { newRolloutRecord, type RolloutRecord } from "../../shared/domain/rollout/rollout-record.ts";
import { aCluster } from "../support/pool-fixtures.ts";
import { useStateStores } from "../support/state-stores.ts";
import { inputOf, ubuntu2204 } from "../unit/rollout/rollout-fleets.ts";

const { stores } = useStateStores();

const PLAN = planRollout(
  inputOf("2026-01-05", [aCluster({ name: "tools" }, [ubuntu2204("apps"), ubuntu2204("jobs")])], {
    ...DEFAULT_ROLLOUT_POLICY,
  }),
);
const OPERATOR = { id: "op-1", name: "ana@contoso.com", roles: [], groups: [], identityProvider: "local" };

function aRollout(overrides: Partial<RolloutRecord> = {}): RolloutRecord {
  const record = newRolloutRecord(
    overrides.id ?? "rollout:2026-01-05:abc",
    PLAN,
    { failureThreshold: 1, waveGate: true, maxPoolsInFlight: 2 },
    OPERATOR,
    overrides.requestedAt ?? "2026-01-05T09:00:00.000Z",
  );
  return { ...record, revision: 1, ...overrides };
}

describe.each(stores)("RolloutRepository on $name", (store) => {
  it("keeps the highest revision: a lower or equal one changes nothing", async () => {
    const repo = store.fresh().rollouts;
    expect(await repo.get("rollout:none")).toBeUndefined();
    const first = aRollout();
    await repo.save(first);
    expect(await repo.get(first.id)).toEqual(first);
    const third = aRollout({ revision: 3, status: "stopped", lessons: [{ note: "n", by: "b", at: "t" }] });
    await repo.save(third);
    await repo.save(aRollout({ revision: 2, status: "done" }));
    await repo.save(aRollout({ revision: 3, status: "canceled" }));
    expect(await repo.get(first.id)).toEqual(third);
  });

  it("ends with the highest revision when two connections save at once", async () => {
    const state = store.fresh();
    const other = state.another();
    const revisions = [4, 1, 6, 2, 5, 3];
    await Promise.all(
      revisions.map((revision, n) =>
        (n % 2 === 0 ? state : other).rollouts.save(
          aRollout({ revision, status: revision === 6 ? "done" : "running" }),
        ),
      ),
    );
    expect(await other.rollouts.get(aRollout().id)).toMatchObject({ revision: 6, status: "done" });
  });

  it("lists newest request first, and by status", async () => {
    const repo = store.fresh().rollouts;
    const older = aRollout({ id: "rollout:a", requestedAt: "2026-01-01T00:00:00.000Z", status: "done" });
    const newer = aRollout({ id: "rollout:b", requestedAt: "2026-02-01T00:00:00.000Z" });
    await repo.save(older);
    await repo.save(newer);
    expect((await repo.list()).map((r) => r.id)).toEqual(["rollout:b", "rollout:a"]);
    expect((await repo.list({ status: "done" })).map((r) => r.id)).toEqual(["rollout:a"]);
    expect(await repo.list({ status: "stopped" })).toEqual([]);
  });
});
