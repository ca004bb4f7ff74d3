import { describe, expect, it } from "vitest";
import { busyReply, Mailbox, SHARD_QUEUE_WAIT_MAX_MILLISECONDS } from "./mailbox.js";
import type { ShardRequestBody } from "../../shard/shard-messages.js";

const LOOKUP: ShardRequestBody = { kind: "lookup", logicalShard: 0, memberId: "m1" };
const SET_PROGRAM = { kind: "setProgram", program: {} } as unknown as ShardRequestBody;

function clockAt(start: number): { now: () => number; advance: (milliseconds: number) => void } {
  let current = start;
  return { now: () => current, advance: (milliseconds) => (current += milliseconds) };
}

describe("Mailbox", () => {
  it("refuses as full once its capacity of unanswered requests is reached", () => {
    const clock = clockAt(0);
    const mailbox = new Mailbox(2, clock.now);
    mailbox.enter();
    expect(mailbox.refusal(LOOKUP)).toBeUndefined();
    mailbox.enter();
    expect(mailbox.refusal(LOOKUP)).toBe("full");
    expect(mailbox.refusal(SET_PROGRAM)).toBe("full");
  });

  it("refuses member requests once its oldest request has waited longer than the bound, and admits again when it is answered", () => {
    const clock = clockAt(1_000);
    const mailbox = new Mailbox(100, clock.now);
    const oldest = mailbox.enter();
    clock.advance(SHARD_QUEUE_WAIT_MAX_MILLISECONDS / 2);
    mailbox.enter();
    clock.advance(SHARD_QUEUE_WAIT_MAX_MILLISECONDS / 2);
    expect(mailbox.oldestWaitMilliseconds()).toBe(SHARD_QUEUE_WAIT_MAX_MILLISECONDS);
    expect(mailbox.refusal(LOOKUP)).toBeUndefined();
    clock.advance(1);
    expect(mailbox.refusal(LOOKUP)).toBe("behind");
    // Program switches and metrics are never refused for queueing time.
    expect(mailbox.refusal(SET_PROGRAM)).toBeUndefined();

    mailbox.deliver({ ref: oldest.ref, ok: true, value: {} });
    // The next oldest has waited half the bound plus 1 ms.
    expect(mailbox.oldestWaitMilliseconds()).toBe(SHARD_QUEUE_WAIT_MAX_MILLISECONDS / 2 + 1);
    expect(mailbox.refusal(LOOKUP)).toBeUndefined();
  });

  it("says in its BUSY message whether the mailbox was full or the shard behind", () => {
    expect(busyReply(3, "full")).toMatchObject({ ok: false, code: "BUSY", message: expect.stringContaining("full mailbox") });
    expect(busyReply(3, "behind")).toMatchObject({ ok: false, code: "BUSY", message: expect.stringContaining("is behind") });
  });

  it("answers every waiting request when failed, and is empty after", async () => {
    const mailbox = new Mailbox(10, () => 0);
    const first = mailbox.enter();
    const second = mailbox.enter();
    mailbox.failAll("UNAVAILABLE", "gone");
    await expect(first.reply).resolves.toMatchObject({ ref: first.ref, ok: false, code: "UNAVAILABLE" });
    await expect(second.reply).resolves.toMatchObject({ ref: second.ref, ok: false, code: "UNAVAILABLE" });
    expect(mailbox.depth).toBe(0);
    expect(mailbox.oldestWaitMilliseconds()).toBe(0);
  });
});
