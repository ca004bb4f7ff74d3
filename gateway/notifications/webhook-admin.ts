// Thread: the gateway (main) thread: the admin API's webhook routes beyond the endpoints' settings.
import type { WebhookDeadLetter, WebhookDeadLetterPage, WebhookDeliveries } from "../../protocol/admin-wire.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { LOGICAL_SHARD_COUNT } from "../../domain/placement/shard-function.js";
import { OUTBOX_PAGE_ENTRIES_MAX, type OutboxCursor, type ChannelReply } from "../../shard/shard-messages.js";
import type { OperationOutcome } from "../operations/operation-outcome.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { WebhookDelivery } from "./webhook-delivery.js";
import type { WebhookEndpoints } from "./webhook-endpoints.js";

/** Dead letters a page shows by default: a screen's worth. */
const DEAD_LETTER_PAGE_DEFAULT = 50;
/** An event id: "<logical shard>-<member>-<sequence>-<number>" (the member may hold "-"). */
const EVENT_ID_PATTERN = /^(\d{1,3})-([\x20-\x7e]{1,255})-(\d{1,15})-(\d{1,3})$/;
/** The bounds of an event id's parts (record-keys.ts outboxKey): checked here, so a made-up id never reaches a shard's assertions. */
const EVENT_SEQUENCE_MAX = 2 ** 48 - 1;
const EVENT_NUMBER_MAX = 255;

/** Where a dead-letter page continues: a shard thread and its cursor (base64url JSON in the API). */
interface DeadLetterCursor {
  readonly shard: number;
  readonly after: OutboxCursor | null;
}

export class WebhookAdmin {
  constructor(
    private readonly cluster: ShardCluster,
    private readonly endpoints: WebhookEndpoints,
    private readonly delivery: WebhookDelivery,
  ) {}

  deliveries(id: string): OperationOutcome<WebhookDeliveries> {
    if (!this.exists(id)) return failure("NOT_FOUND", `no webhook ${id}`);
    return { ok: true, value: this.delivery.deliveries(id) };
  }

  /** A page of the endpoint's dead letters over every shard thread, in shard then key (member, sequence) order. */
  async deadLetters(id: string, after: string | undefined, limitText: string | undefined): Promise<OperationOutcome<WebhookDeadLetterPage>> {
    if (!this.exists(id)) return failure("NOT_FOUND", `no webhook ${id}`);
    const limit = limitText === undefined ? DEAD_LETTER_PAGE_DEFAULT : Number(limitText);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > OUTBOX_PAGE_ENTRIES_MAX) return failure("BAD_REQUEST", `limit must be an integer from 1 to ${OUTBOX_PAGE_ENTRIES_MAX}`);
    let cursor: DeadLetterCursor | null = after === undefined ? { shard: 0, after: null } : decodeCursor(after);
    if (cursor === null) return failure("BAD_REQUEST", "after must be a cursor this API gave");
    const deadLetters: WebhookDeadLetter[] = [];
    while (cursor.shard < this.cluster.shardCount) {
      const page: ChannelReply<"outboxRead"> = await this.cluster.requestToShard(cursor.shard, { kind: "outboxRead", section: "dead", endpoint: id, after: cursor.after, limit: limit - deadLetters.length });
      if (!page.ok) return failure(page.code, page.message);
      for (const entry of page.value.entries) {
        const dead = entry.dead ?? { attempts: 0, failedAt: 0, error: "" };
        deadLetters.push({ event: entry.id, kind: entry.kind, member: entry.memberId, at: entry.at, data: entry.data, ...dead });
      }
      cursor = page.value.next === null ? { shard: cursor.shard + 1, after: null } : { shard: cursor.shard, after: page.value.next };
      if (deadLetters.length >= limit) break;
    }
    const next = cursor.shard < this.cluster.shardCount ? Buffer.from(JSON.stringify(cursor)).toString("base64url") : null;
    return { ok: true, value: { deadLetters, next } };
  }

  /** Puts a dead letter back in the endpoint's queue, where its member's order puts it. */
  async replay(id: string, eventId: string): Promise<OperationOutcome<{ replayed: string }>> {
    if (!this.exists(id)) return failure("NOT_FOUND", `no webhook ${id}`);
    const match = EVENT_ID_PATTERN.exec(eventId);
    const logicalShard = Number(match?.[1]);
    const event = { logicalShard, memberId: match?.[2] ?? "", sequence: Number(match?.[3]), number: Number(match?.[4]) };
    if (match === null || logicalShard >= LOGICAL_SHARD_COUNT || event.sequence > EVENT_SEQUENCE_MAX || event.number > EVENT_NUMBER_MAX) {
      return failure("BAD_REQUEST", "the event id is not one this server gave");
    }
    const shard = this.cluster.placement.ownerOf(logicalShard);
    const reply = await this.cluster.requestToShard(shard, { kind: "outboxUpdate", changes: [{ op: "replay", endpoint: id, event }] });
    if (!reply.ok) return failure(reply.code, reply.message);
    if (reply.value.applied === 0) return failure("NOT_FOUND", `webhook ${id} has no dead letter ${eventId}`);
    return { ok: true, value: { replayed: eventId } };
  }

  private exists(id: string): boolean {
    return this.endpoints.all.some((endpoint) => endpoint.id === id);
  }
}

function decodeCursor(text: string): DeadLetterCursor | null {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as DeadLetterCursor;
    const after = value.after;
    const validAfter = after === null || (typeof after === "object" && Number.isSafeInteger(after.logicalShard) && typeof after.key === "string");
    return Number.isSafeInteger(value.shard) && value.shard >= 0 && validAfter ? value : null;
  } catch {
    return null;
  }
}
