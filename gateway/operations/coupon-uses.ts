// Thread: the gateway (main) thread.
import { failure } from "../../protocol/errors/loycore-error.js";
import { logicalShardOf } from "../../domain/placement/shard-function.js";
import type { Receipt } from "../../domain/receipt/receipt.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { OperationOutcome } from "./operation-outcome.js";

/**
 * A receipt's coupon on the shard thread that owns the coupon's code
 * (shard/coupon-requests.ts), before the receipt goes to its member's shard:
 * `calculate` checks it, `commit` counts its use under the receipt (once: a
 * retry finds its own use), and a commit refused afterwards or a cancel gives
 * the use back. The shard of the coupon and the member's may be different
 * threads; each step is idempotent, so a lane's retry completes what a crash
 * cut short.
 */
export class CouponUses {
  constructor(private readonly cluster: ShardCluster) {}

  /** The campaign the coupon unlocks for this receipt, its use counted when `count`; or the coded refusal. */
  async use(code: string, memberId: string, receipt: Receipt, count: boolean): Promise<OperationOutcome<{ readonly code: string; readonly campaign: string; readonly counted: boolean }>> {
    const reply = await this.cluster.requestForLogicalShard({ kind: "couponUse", logicalShard: logicalShardOf(code), code, user: memberId, store: receipt.store, receiptId: receipt.id, at: receipt.at, count });
    return reply.ok ? { ok: true, value: { code, campaign: reply.value.campaign, counted: reply.value.counted } } : failure(reply.code, reply.message);
  }

  /** Gives back the use a receipt made of the coupon (none made: nothing changes). */
  async release(code: string, store: string, receiptId: string): Promise<void> {
    await this.cluster.requestForLogicalShard({ kind: "couponRelease", logicalShard: logicalShardOf(code), code, store, receiptId });
  }
}
