import { assert } from "../assert/assert.js";
import type { ShardReply } from "./shard-messages.js";

/**
 * The gateway side of a shard's mailbox: assigns refs, remembers who waits
 * for which reply, and refuses work past its capacity.
 */
export class Mailbox {
  private nextRef = 1;
  private readonly waiting = new Map<number, (reply: ShardReply) => void>();

  constructor(private readonly capacity: number) {}

  get depth(): number {
    return this.waiting.size;
  }

  get full(): boolean {
    return this.waiting.size >= this.capacity;
  }

  /** Reserves a ref for a request and returns the promise of its reply. */
  enter(): { ref: number; reply: Promise<ShardReply> } {
    assert(!this.full, "callers check `full` before entering");
    const ref = this.nextRef;
    this.nextRef = ref >= Number.MAX_SAFE_INTEGER ? 1 : ref + 1;
    const reply = new Promise<ShardReply>((resolve) => this.waiting.set(ref, resolve));
    return { ref, reply };
  }

  deliver(reply: ShardReply): void {
    const resolve = this.waiting.get(reply.ref);
    assert(resolve !== undefined, `reply ${reply.ref} answers a request in the mailbox`);
    this.waiting.delete(reply.ref);
    resolve(reply);
  }

  /** Answers everything still waiting with the same failure (shard gone, shutdown). */
  failAll(code: "INTERNAL" | "SHUTTING_DOWN" | "UNAVAILABLE", message: string): void {
    for (const [ref, resolve] of this.waiting) resolve({ ref, ok: false, code, message });
    this.waiting.clear();
  }
}

export function busyReply(shardIndex: number): ShardReply {
  return { ref: 0, ok: false, code: "BUSY", message: `shard ${shardIndex} has a full mailbox; retry later` };
}
