import { describe, expect, it } from "vitest";
import { pickedKinds, webhookState, WEBHOOK_KINDS } from "./webhook-kinds.js";

describe("webhook kinds in the console", () => {
  it("lists each kind once and keeps picked kinds in that order", () => {
    expect(new Set(WEBHOOK_KINDS).size).toBe(WEBHOOK_KINDS.length);
    expect(pickedKinds(new Set(["card.blocked", "points.accrued", "unknown"]))).toEqual(["points.accrued", "card.blocked"]);
  });

  it("says an endpoint's state in a word, disabled before paused", () => {
    expect(webhookState({ paused: true, disabled: true })).toBe("disabled");
    expect(webhookState({ paused: true, disabled: false })).toBe("paused");
    expect(webhookState({ paused: false, disabled: false })).toBe("active");
  });
});
