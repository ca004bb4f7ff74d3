import { describe, expect, it } from "vitest";
import { EVENT_KINDS } from "../../shard/operations/outbox-events.js";
import { checkTemplate, KIND_VARIABLES, renderTemplate } from "./message-template.js";

describe("message templates", () => {
  it("render the member's name, the event's fields and its times as the program's local dates", () => {
    const context = { at: Date.UTC(2026, 0, 31, 22), data: { points: 435, expiresAt: Date.UTC(2026, 2, 1, 21, 30), reason: null }, name: "Анна", card: "2000000000001", timeZone: "Europe/Moscow" };
    expect(renderTemplate("{{name}}, {{ points }} points expire on {{expiresAt}} (sent {{date}}){{reason}}.", context)).toBe("Анна, 435 points expire on 2026-03-02 (sent 2026-02-01).");
    expect(renderTemplate("Hello {{name}}", { ...context, name: null })).toBe("Hello ");
  });

  it("refuse a variable the kind does not have, naming it and the field", () => {
    expect(() => checkTemplate("points.accrued", "{{points}} and {{lapsesAt}}", "text")).toThrow(/text names \{\{lapsesAt\}\}/);
    expect(() => checkTemplate("class.lapsing", "{{name}}: {{class}} until {{lapsesAt}}", "text")).not.toThrow();
  });

  it("know the variables of every event kind", () => {
    expect(Object.keys(KIND_VARIABLES).sort()).toEqual([...EVENT_KINDS].sort());
  });
});
