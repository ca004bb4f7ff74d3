// Thread: the gateway (main) thread.
import { LoycoreError } from "../../protocol/errors/loycore-error.js";
import type { ShardCluster } from "./shard-cluster.js";
import type { ShardRequestBody } from "../../shard/shard-messages.js";

/**
 * A shard with a full mailbox, or restarting, is asked again this many times, this far apart, before a
 * control change (a program, a partner's program, the campaigns) fails: about a second in all.
 */
export const CONTROL_BROADCAST_ATTEMPTS_MAX = 50;
export const CONTROL_BROADCAST_RETRY_DELAY_MILLISECONDS = 20;

type ControlBody = Extract<ShardRequestBody, { kind: "setProgram" | "setPartnerProgram" | "setCampaigns" }>;

/**
 * Sends a stored control change to every shard, again while any answers BUSY or UNAVAILABLE (setting
 * it twice is harmless; a restarted thread starts with what is stored). Any other refusal is thrown;
 * shards still busy after the last attempt are BUSY, `stored` saying what will apply on restart.
 */
export async function broadcastControl(cluster: ShardCluster, body: ControlBody, stored: string): Promise<void> {
  const retriable = (code: string): boolean => code === "BUSY" || code === "UNAVAILABLE";
  for (let attempt = 1; ; attempt += 1) {
    const replies = await cluster.broadcast(body);
    const broken = replies.find((reply) => !reply.ok && !retriable(reply.code));
    if (broken !== undefined && !broken.ok) throw new LoycoreError(broken.code, broken.message);
    if (!replies.some((reply) => !reply.ok)) return;
    if (attempt >= CONTROL_BROADCAST_ATTEMPTS_MAX) throw new LoycoreError("BUSY", `shards stayed busy; ${stored} and will apply on restart`);
    await new Promise((resolve) => setTimeout(resolve, CONTROL_BROADCAST_RETRY_DELAY_MILLISECONDS));
  }
}
