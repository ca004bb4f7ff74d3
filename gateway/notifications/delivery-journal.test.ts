import { describe, expect, it } from "vitest";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { ControlStore } from "../control/control-store.js";
import { ATTEMPT_RECORD_AGE_MAX_MILLISECONDS, DeliveryJournal, RECENT_DELIVERIES_MAX } from "./delivery-journal.js";

const NOW = 1_767_225_600_000;

function delivered(index: number) {
  return { event: `7-m1-${index}-0`, kind: "points.accrued", member: "m1", state: "delivered" as const, attempts: 1, lastError: null, nextAttemptAt: null, at: NOW + index };
}

describe("the webhook delivery journal", () => {
  it("keeps the latest outcomes, the retried events' attempts and the totals in the control store, the same when opened again", async () => {
    const directory = makeTemporaryDirectory("delivery-journal");
    try {
      const control = new ControlStore({ path: directory.path });
      const journal = new DeliveryJournal(control, NOW);
      for (let index = 0; index < RECENT_DELIVERIES_MAX + 5; index += 1) await journal.finished("crm", delivered(index));
      await journal.failedAttempt("crm", { event: "7-m2-1-0", kind: "class.changed", member: "m2", attempts: 3, lastError: "HTTP 500", nextAttemptAt: NOW + 4_000, at: NOW });
      await journal.failedAttempt("crm", { event: "7-m3-1-0", kind: "class.changed", member: "m3", attempts: 1, lastError: "HTTP 500", nextAttemptAt: NOW + 1_000, at: NOW });
      await journal.finished("crm", { event: "7-m3-1-0", kind: "class.changed", member: "m3", state: "dead", attempts: 2, lastError: "HTTP 500", nextAttemptAt: null, at: NOW });
      await journal.finished("down", { ...delivered(1), state: "dead", attempts: 12, lastError: "HTTP 503" });
      await control.close();

      const reopened = new ControlStore({ path: directory.path });
      const again = new DeliveryJournal(reopened, NOW + 60_000);
      const recent = again.recentOf("crm").map(({ view }) => view);
      // Bounded: the oldest outcomes went as new ones came.
      expect(recent).toHaveLength(RECENT_DELIVERIES_MAX);
      expect(recent.at(0)?.event).toBe(delivered(6).event);
      expect(recent.at(-1)).toMatchObject({ event: "7-m3-1-0", state: "dead", attempts: 2 });
      expect(again.attemptOf("crm", "7-m2-1-0")).toMatchObject({ attempts: 3, nextAttemptAt: NOW + 4_000 });
      // An event that finished has no attempts kept.
      expect(again.attemptOf("crm", "7-m3-1-0")).toBeUndefined();
      expect(Object.fromEntries(again.totalsOf())).toEqual({ crm: { delivered: RECENT_DELIVERIES_MAX + 5, failed: 3, dead: 1 }, down: { delivered: 0, failed: 1, dead: 1 } });

      await again.forget("down");
      expect(again.totalsOf().has("down")).toBe(false);
      await reopened.close();
      // Attempts kept longer than a day (a crash left them behind) are dropped when opened.
      const late = new ControlStore({ path: directory.path });
      const third = new DeliveryJournal(late, NOW + ATTEMPT_RECORD_AGE_MAX_MILLISECONDS + 1);
      expect(third.attemptOf("crm", "7-m2-1-0")).toBeUndefined();
      expect(third.totalsOf().has("down")).toBe(false);
      expect(third.recentOf("crm")).toHaveLength(RECENT_DELIVERIES_MAX);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await late.close();
    } finally {
      directory.remove();
    }
  });
});
