import { setTimeout as sleep } from "node:timers/promises";
import type { LoycoreClient } from "../client/loycore-client.js";
import type { CalculateRequest, ReceiptLineInput } from "../client/protocol-types.js";
import type { StatisticsByOperation } from "./operation-statistics.js";
import { timed } from "./operation-statistics.js";

/** A quick supermarket basket; the protocol allows 500 lines, but most receipts are short. */
const LINES_PER_RECEIPT_MAX = 10;

/** Distinct SKUs the lanes sell; only the receipt's size matters to loycore, not the catalogue. */
const SKU_CATALOGUE_SIZE = 5_000;

/** Unit prices from 1 to 1,000 roubles, in kopecks. */
const PRICE_MINIMUM_MINOR = 100;
const PRICE_MAXIMUM_MINOR = 100_000;

/** Most lines are one or two items. */
const QUANTITY_MAX = 3;

/** About one customer in ten pays with points. */
const REDEEM_PROBABILITY = 0.1;

/** "A few points": enough to exercise redemption without draining balances during the run. */
const REDEEM_POINTS_MAX = 50;

/**
 * After a failed request a lane waits this long, so that a gateway that refuses everything (BUSY,
 * SHUTTING_DOWN, a lost connection) is not hammered in a hot loop that measures only the bench.
 */
const PAUSE_AFTER_FAILURE_MILLISECONDS = 10;

/**
 * Enrollment gives up after this many failures: a gateway that refuses or drops enrollments would
 * otherwise cost a request timeout per member before the bench could say so.
 */
const ENROLL_FAILURES_MAX = 100;

/** Asked to stop early (Ctrl-C): lanes finish their current request and stop. */
export interface StopSignal {
  requested: boolean;
}

export interface PhaseSettings {
  /** One client per connection; lane n uses client n % clients.length. */
  readonly clients: readonly LoycoreClient[];
  readonly lanes: number;
  /** `performance.now()` after which no lane starts a new request. */
  readonly deadline: number;
  readonly stop: StopSignal;
  readonly statistics: StatisticsByOperation;
}

export interface PhaseOutcome {
  /** From the first lane's start to the last lane's end, including requests in flight at the deadline. */
  readonly elapsedSeconds: number;
}

function randomInteger(minimum: number, maximum: number): number {
  return minimum + Math.floor(Math.random() * (maximum - minimum + 1));
}

function clientOfLane(clients: readonly LoycoreClient[], lane: number): LoycoreClient {
  const client = clients[lane % clients.length];
  if (client === undefined) throw new Error("a phase needs at least one client");
  return client;
}

async function runLanes(settings: PhaseSettings, lane: (laneNumber: number) => Promise<void>): Promise<PhaseOutcome> {
  const started = performance.now();
  await Promise.all(Array.from({ length: settings.lanes }, (_, laneNumber) => lane(laneNumber)));
  return { elapsedSeconds: (performance.now() - started) / 1000 };
}

function keepGoing(settings: PhaseSettings): boolean {
  return !settings.stop.requested && performance.now() < settings.deadline;
}

/** The client ceiling: every lane sends `ping` back to back; no shard is touched. */
export function runPingPhase(settings: PhaseSettings): Promise<PhaseOutcome> {
  const statistics = settings.statistics.for("ping");
  return runLanes(settings, async (laneNumber) => {
    const client = clientOfLane(settings.clients, laneNumber);
    while (keepGoing(settings)) {
      const answer = await timed(statistics, () => client.ping());
      if (answer === undefined) await sleep(PAUSE_AFTER_FAILURE_MILLISECONDS);
    }
  });
}

export interface CheckoutPhaseSettings extends PhaseSettings {
  readonly cards: readonly string[];
  /** Makes receipt ids unique across runs against the same gateway. */
  readonly runIdentifier: string;
}

/**
 * Each lane checks out customers one after the other, as a POS lane does: `calculate` to show the
 * discount, then `commit` with a new receipt id (and `at`, so that a retry would be idempotent).
 * One customer in ten pays a few points, up to what `calculate` said the receipt can take.
 */
export function runCheckoutPhase(settings: CheckoutPhaseSettings): Promise<PhaseOutcome> {
  const calculateStatistics = settings.statistics.for("calculate");
  const commitStatistics = settings.statistics.for("commit");
  return runLanes(settings, async (laneNumber) => {
    const client = clientOfLane(settings.clients, laneNumber);
    let receiptNumber = 0;
    while (keepGoing(settings)) {
      receiptNumber += 1;
      const card = settings.cards[randomInteger(0, settings.cards.length - 1)];
      if (card === undefined) throw new Error("the checkout phase needs at least one card");
      const request: CalculateRequest = {
        card,
        receipt: {
          id: `${settings.runIdentifier}-${laneNumber}-${receiptNumber}`,
          at: Date.now(),
          lines: randomLines(),
        },
      };
      const calculation = await timed(calculateStatistics, () => client.calculate(request));
      if (calculation === undefined) {
        await sleep(PAUSE_AFTER_FAILURE_MILLISECONDS);
        continue;
      }
      if (!keepGoing(settings)) break;
      const paysWithPoints = calculation.redeemable > 0 && Math.random() < REDEEM_PROBABILITY;
      const commitRequest: CalculateRequest = paysWithPoints
        ? { ...request, redeem: Math.min(calculation.redeemable, randomInteger(1, REDEEM_POINTS_MAX)) }
        : request;
      const commitment = await timed(commitStatistics, () => client.commit(commitRequest));
      if (commitment === undefined) await sleep(PAUSE_AFTER_FAILURE_MILLISECONDS);
    }
  });
}

function randomLines(): ReceiptLineInput[] {
  return Array.from({ length: randomInteger(1, LINES_PER_RECEIPT_MAX) }, () => {
    const quantity = randomInteger(1, QUANTITY_MAX);
    const price = randomInteger(PRICE_MINIMUM_MINOR, PRICE_MAXIMUM_MINOR);
    return { sku: `sku-${randomInteger(1, SKU_CATALOGUE_SIZE)}`, qty: quantity, price, amount: quantity * price };
  });
}

export interface EnrollmentSettings {
  readonly clients: readonly LoycoreClient[];
  /** Enrollments in flight at once. */
  readonly concurrency: number;
  readonly members: number;
  readonly runIdentifier: string;
  readonly stop: StopSignal;
  readonly statistics: StatisticsByOperation;
}

/** Enrolls `members` new members with cards `B<run>-<n>`; returns the cards that were enrolled. */
export async function enrollMembers(settings: EnrollmentSettings): Promise<string[]> {
  const statistics = settings.statistics.for("enroll");
  const cards: string[] = [];
  let nextMember = 0;
  await Promise.all(
    Array.from({ length: Math.min(settings.concurrency, settings.members) }, async (_, worker) => {
      const client = clientOfLane(settings.clients, worker);
      while (
        nextMember < settings.members &&
        !settings.stop.requested &&
        statistics.failureCount < ENROLL_FAILURES_MAX
      ) {
        nextMember += 1;
        const card = `B${settings.runIdentifier}-${nextMember}`;
        const enrolled = await timed(statistics, () => client.enroll({ card }));
        if (enrolled !== undefined) cards.push(card);
      }
    }),
  );
  return cards;
}
