// Thread: the gateway (main) thread: what the webhook delivery loop did, kept on disk (docs/notifications.md, "What survives a restart").
import type { WebhookDelivery as DeliveryView } from "../../protocol/admin-wire.js";
import type { DeliveryJournalKey } from "../control/control-store.js";

/** Outcomes kept per endpoint for the admin's list of deliveries: the latest only (older ones are deleted as new ones come). */
export const RECENT_DELIVERIES_MAX = 100;
/**
 * Events whose failed attempts are kept at once, over every endpoint: one per
 * member chain being retried, at most a page (200) per endpoint (16) and shard
 * thread, so 65,536 leaves room for twenty threads. At the limit a failed
 * attempt is still retried, its count kept in memory only.
 */
export const ATTEMPT_RECORDS_MAX = 65_536;
/**
 * A kept attempt count older than this is dropped at start-up: its event was
 * delivered or dropped by a crash between the shard's write and the journal's
 * (a day is far beyond the default half hour of attempts); if it is still
 * queued, it starts again from its first attempt.
 */
export const ATTEMPT_RECORD_AGE_MAX_MILLISECONDS = 24 * 3_600_000;

/** An event's failed attempts so far at one endpoint: what a retry after a restart continues from. */
export interface AttemptRecord {
  readonly event: string;
  readonly kind: string;
  readonly member: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly nextAttemptAt: number;
  readonly at: number;
}

/** Attempts by result since the endpoint was created (the /metrics counters start from these). */
export interface DeliveryTotals {
  delivered: number;
  failed: number;
  dead: number;
}

/** Where the journal lives: the control store's `deliveries` table (or a twin in tests). */
export interface DeliveryJournalStore {
  readDeliveryJournal(): { key: DeliveryJournalKey; value: unknown }[];
  writeDeliveryJournal(puts: readonly (readonly [DeliveryJournalKey, unknown])[], deletes: readonly DeliveryJournalKey[]): Promise<void>;
}

const RECENT = "recent";
const ATTEMPT = "attempt";
const TOTALS = "totals";

/**
 * The delivery loop's record of itself, on disk (the queues and dead letters
 * are in the shards' outboxes): per endpoint its latest outcomes, each
 * retried event's failed attempts (so a restart continues its count and its
 * back-off), and its totals by result. Read whole at start-up and mirrored in
 * memory; every change is written before the loop goes on. The answers of
 * the deliveries listing and the /metrics counters are the same after a
 * restart as before it.
 */
export class DeliveryJournal {
  private readonly recent = new Map<string, { seq: number; view: DeliveryView }[]>();
  private readonly attempts = new Map<string, AttemptRecord>();
  private readonly totals = new Map<string, DeliveryTotals>();
  private nextSeq = 1;

  constructor(
    private readonly store: DeliveryJournalStore,
    now: number,
  ) {
    const stale: DeliveryJournalKey[] = [];
    for (const { key, value } of store.readDeliveryJournal()) {
      const [section, endpoint] = key as [string, string, ...unknown[]];
      if (section === RECENT) {
        const seq = Number(key[2]);
        this.recentOf(endpoint).push({ seq, view: value as DeliveryView });
        this.nextSeq = Math.max(this.nextSeq, seq + 1);
      } else if (section === ATTEMPT) {
        const record = value as AttemptRecord;
        if (now - record.at > ATTEMPT_RECORD_AGE_MAX_MILLISECONDS) stale.push(key);
        else this.attempts.set(attemptKey(endpoint, record.event), record);
      } else if (section === TOTALS) {
        this.totals.set(endpoint, { ...(value as DeliveryTotals) });
      }
    }
    for (const [endpoint, list] of this.recent) while (list.length > RECENT_DELIVERIES_MAX) stale.push([RECENT, endpoint, (list.shift() as { seq: number }).seq]);
    if (stale.length > 0) void store.writeDeliveryJournal([], stale).catch(reportJournalError);
  }

  /** The endpoint's latest outcomes, oldest first. */
  recentOf(endpoint: string): { seq: number; view: DeliveryView }[] {
    let list = this.recent.get(endpoint);
    if (list === undefined) {
      list = [];
      this.recent.set(endpoint, list);
    }
    return list;
  }

  /** The endpoint's kept attempt records: events being retried (shown as such while no loop has taken them up yet). */
  retrying(endpoint: string): AttemptRecord[] {
    const prefix = `${endpoint}\u0000`;
    return [...this.attempts].filter(([key]) => key.startsWith(prefix)).map(([, record]) => record);
  }

  attemptOf(endpoint: string, event: string): AttemptRecord | undefined {
    return this.attempts.get(attemptKey(endpoint, event));
  }

  totalsOf(): ReadonlyMap<string, DeliveryTotals> {
    return this.totals;
  }

  /** A failed attempt that will be retried: its count and back-off kept. */
  async failedAttempt(endpoint: string, record: AttemptRecord): Promise<void> {
    const totals = this.bump(endpoint, "failed");
    const key = attemptKey(endpoint, record.event);
    const keep = this.attempts.has(key) || this.attempts.size < ATTEMPT_RECORDS_MAX;
    if (keep) this.attempts.set(key, record);
    const puts: [DeliveryJournalKey, unknown][] = [[[TOTALS, endpoint], totals]];
    if (keep) puts.push([[ATTEMPT, endpoint, record.event], record]);
    await this.write(puts, []);
  }

  /** An event's final outcome (delivered, or dead after failing its last attempt): it joins the latest ones, its attempts go. */
  async finished(endpoint: string, view: DeliveryView): Promise<void> {
    let totals = this.bump(endpoint, view.state === "delivered" ? "delivered" : "failed");
    if (view.state === "dead") totals = this.bump(endpoint, "dead");
    const seq = this.nextSeq;
    this.nextSeq += 1;
    const list = this.recentOf(endpoint);
    list.push({ seq, view });
    const deletes: DeliveryJournalKey[] = [[ATTEMPT, endpoint, view.event]];
    while (list.length > RECENT_DELIVERIES_MAX) deletes.push([RECENT, endpoint, (list.shift() as { seq: number }).seq]);
    this.attempts.delete(attemptKey(endpoint, view.event));
    await this.write([[[RECENT, endpoint, seq], view], [[TOTALS, endpoint], totals]], deletes);
  }

  /** A deleted endpoint's records go (its queue and dead letters are purged from the shards). */
  async forget(endpoint: string): Promise<void> {
    const deletes: DeliveryJournalKey[] = [[TOTALS, endpoint], ...this.recentOf(endpoint).map(({ seq }) => [RECENT, endpoint, seq]), ...this.retrying(endpoint).map((record) => [ATTEMPT, endpoint, record.event])];
    this.recent.delete(endpoint);
    this.totals.delete(endpoint);
    for (const record of this.retrying(endpoint)) this.attempts.delete(attemptKey(endpoint, record.event));
    await this.write([], deletes);
  }

  private bump(endpoint: string, result: keyof DeliveryTotals): DeliveryTotals {
    const totals = this.totals.get(endpoint) ?? { delivered: 0, failed: 0, dead: 0 };
    totals[result] += 1;
    this.totals.set(endpoint, totals);
    return { ...totals };
  }

  /** Written before the loop goes on; a failed write (a full disk) is reported, and the loop keeps delivering. */
  private async write(puts: readonly (readonly [DeliveryJournalKey, unknown])[], deletes: readonly DeliveryJournalKey[]): Promise<void> {
    await this.store.writeDeliveryJournal(puts, deletes).catch(reportJournalError);
  }
}

function attemptKey(endpoint: string, event: string): string {
  return `${endpoint}\u0000${event}`;
}

function reportJournalError(error: unknown): void {
  process.stderr.write(`webhooks: the delivery journal was not written: ${error instanceof Error ? error.message : String(error)}\n`);
}
