import { describe, expect, it } from "vitest";
import { backoffMilliseconds, DELIVERY_DEFAULTS, deliveryLimitsFrom } from "./delivery-limits.js";

describe("webhook delivery limits", () => {
  it("wait the base after a first failure, doubling after each further one, never more than the max", () => {
    expect([1, 2, 3, 10, 11, 12, 100].map((failures) => backoffMilliseconds(DELIVERY_DEFAULTS, failures))).toEqual([1_000, 2_000, 4_000, 512_000, 600_000, 600_000, 600_000]);
  });

  it("take the environment's positive integers and ignore anything else", () => {
    const limits = deliveryLimitsFrom({ LOYCORE_WEBHOOK_ATTEMPTS_MAX: "3", LOYCORE_WEBHOOK_BACKOFF_BASE_MILLISECONDS: "-5", LOYCORE_WEBHOOK_BACKOFF_MAX_MILLISECONDS: "x" });
    expect(limits).toEqual({ ...DELIVERY_DEFAULTS, attemptsMax: 3 });
  });
});
