import { describe, expect, it } from "vitest";
import { accountKey, decodeOutboxKey, isOutboxKey, keyString, outboxKey, outboxRange, settlementKey } from "./record-keys.js";
import { outboxEventId, readOutboxEvent, writeOutboxEvent, type OutboxEvent } from "./records/outbox-codec.js";
import { RecordWriter } from "./records/record-writer.js";

const EVENT: OutboxEvent = { logicalShard: 7, memberId: "m-1", sequence: 12, number: 1, kind: "status.changed", at: 1_767_225_600_000, data: { from: null, to: "silver", receipt: "R-1" } };

describe("outbox keys and records", () => {
  it("name an event by logical shard, member, sequence and number, the same id on every read", () => {
    expect(outboxEventId(EVENT)).toBe("7-m-1-12-1");
  });

  it("decode to what they were made of, in every section", () => {
    for (const [section, endpoint] of [["events", null], ["queue", "crm"], ["dead", "sms"]] as const) {
      const key = outboxKey(7, section, endpoint, EVENT);
      expect(isOutboxKey(key)).toBe(true);
      expect(decodeOutboxKey(key)).toEqual({ logicalShard: 7, section, endpoint, memberId: "m-1", sequence: 12, number: 1 });
      const range = outboxRange(7, section, endpoint);
      expect(keyString(key) >= keyString(range.start) && keyString(key) < keyString(range.end)).toBe(true);
    }
  });

  it("sort each member's events by sequence, then number, and one endpoint's apart from another's", () => {
    const keys = [
      outboxKey(7, "queue", "crm", { memberId: "m-1", sequence: 2, number: 0 }),
      outboxKey(7, "queue", "crm", { memberId: "m-1", sequence: 256, number: 0 }),
      outboxKey(7, "queue", "crm", { memberId: "m-1", sequence: 256, number: 1 }),
    ].map(keyString);
    expect([...keys].sort()).toEqual(keys);
    const other = keyString(outboxKey(7, "queue", "crm2", { memberId: "m-1", sequence: 1, number: 0 }));
    const crm = outboxRange(7, "queue", "crm");
    expect(other >= keyString(crm.start) && other < keyString(crm.end)).toBe(false);
  });

  it("are not mistaken for a member's or the settlement's keys", () => {
    expect(isOutboxKey(accountKey(7, "m-1"))).toBe(false);
    expect(isOutboxKey(settlementKey(7, { day: 1, issuer: "a", redeemer: "b", memberId: "m-1", sequence: 1 }))).toBe(false);
  });

  it("read back as written, a dead letter with its attempts and error", () => {
    const writer = new RecordWriter();
    writeOutboxEvent(writer, EVENT);
    expect(readOutboxEvent(EVENT, writer.copyOut())).toEqual({ event: EVENT, dead: null });
    const dead = new RecordWriter();
    writeOutboxEvent(dead, EVENT, { attempts: 12, failedAt: 5, error: "HTTP 503" });
    expect(readOutboxEvent(EVENT, dead.copyOut())).toEqual({ event: EVENT, dead: { attempts: 12, failedAt: 5, error: "HTTP 503" } });
  });
});
