import { describe, expect, it } from "vitest";
import type { Outcome } from "../../protocol/errors/loycore-error.js";
import { SweepJobs } from "./sweep-jobs.js";

/** A job's run that finishes when the test says. */
function controlled(): { run: () => Promise<Outcome<object>>; finish: (outcome: Outcome<object>) => void } {
  let finish: (outcome: Outcome<object>) => void = () => undefined;
  const done = new Promise<Outcome<object>>((resolve) => (finish = resolve));
  return { run: () => done, finish: (outcome) => finish(outcome) };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("background sweep jobs", () => {
  it("find a job again by its id, refuse the id with other content, and refuse a job beyond the running limit with BUSY", async () => {
    const jobs = new SweepJobs<{ count: number }>({ runningMax: 2, keptMax: 4, keptMilliseconds: 1_000 });
    const [a, b, c] = [controlled(), controlled(), controlled()];
    const first = jobs.start("a", "x", { count: 0 }, a.run);
    expect(first).toMatchObject({ ok: true, job: { id: "a", state: "running" } });
    expect(jobs.start("a", "x", { count: 9 }, c.run)).toEqual(first);
    expect(jobs.start("a", "y", { count: 0 }, c.run)).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(jobs.start("b", "x", { count: 0 }, b.run)).toMatchObject({ ok: true });
    expect(jobs.start("c", "x", { count: 0 }, c.run)).toMatchObject({ ok: false, code: "BUSY" });
    a.finish({ ok: true });
    b.finish({ ok: false, code: "UNAVAILABLE", message: "gone" });
    await flush();
    expect(jobs.get("a")).toMatchObject({ state: "done" });
    expect(jobs.get("b")).toMatchObject({ state: "failed", error: { code: "UNAVAILABLE", message: "gone" } });
    expect(jobs.start("c", "x", { count: 0 }, c.run)).toMatchObject({ ok: true });
  });

  it("forget a finished job after the kept time, and the oldest finished when the kept limit is reached", async () => {
    let now = 0;
    const jobs = new SweepJobs<object>({ runningMax: 5, keptMax: 2, keptMilliseconds: 1_000 }, () => now);
    const done = (): Promise<Outcome<object>> => Promise.resolve({ ok: true });
    jobs.start("a", "", {}, done);
    await flush();
    now = 10;
    jobs.start("b", "", {}, done);
    await flush();
    jobs.start("c", "", {}, done);
    expect(jobs.get("a")).toBeUndefined();
    expect(jobs.get("b")).toMatchObject({ state: "done" });
    now = 10 + 1_000;
    expect(jobs.get("b")).toBeUndefined();
  });
});
