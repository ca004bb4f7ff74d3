import { accrueLot, EMPTY_LEDGER, type Ledger } from "../ledger/ledger.js";
import type { Account } from "./account.js";
import { EMPTY_COUNTERS, type AccountCounters } from "./counters.js";

/**
 * Accounts as the first format stored them (the walking skeleton): flat
 * counters, no categories, no visit status. Kept only to read such records.
 */
interface FirstFormatCounters {
  readonly sold: number;
  readonly paid: number;
  readonly visits: number;
  readonly firstVisitAt: number | null;
  readonly lastVisitAt: number | null;
}

function isFirstFormat(counters: unknown): counters is FirstFormatCounters {
  return typeof counters === "object" && counters !== null && "sold" in counters && !("lifetime" in counters);
}

/**
 * Reads an account record of any stored format as the current `Account`.
 * Records are upgraded on read and written back in the current format by the
 * next operation, so a data directory never needs an offline migration.
 * First-format counters become lifetime totals; which period they fell in was
 * not recorded, so no period totals are remembered for them.
 */
export function upgradeAccount(stored: Account): Account {
  const counters: unknown = stored.counters;
  const upgradedCounters: AccountCounters = isFirstFormat(counters)
    ? {
        ...EMPTY_COUNTERS,
        lifetime: { sold: counters.sold, paid: counters.paid, visits: counters.visits },
        firstVisitAt: counters.firstVisitAt,
        lastVisitAt: counters.lastVisitAt,
      }
    : stored.counters;
  if (
    upgradedCounters === stored.counters &&
    stored.categories !== undefined &&
    stored.lastVisitStatus !== undefined &&
    stored.ledger !== undefined
  ) {
    return stored;
  }
  return {
    ...stored,
    counters: upgradedCounters,
    categories: stored.categories ?? [],
    lastVisitStatus: stored.lastVisitStatus ?? null,
    ledger: stored.ledger ?? openingLedger(stored.balance, stored.createdAt),
  };
}

/**
 * Formats without a ledger kept only a balance: it becomes one opening lot,
 * active and without expiry, so that nothing the member had is lost or
 * invented.
 */
function openingLedger(balance: number, createdAt: number): Ledger {
  if (balance === 0) return EMPTY_LEDGER;
  const outcome = accrueLot(EMPTY_LEDGER, {
    points: balance,
    source: "adjustment",
    reference: "opening-balance",
    partner: "",
    at: createdAt,
    activatesAt: createdAt,
    expiresAt: null,
  });
  if (!outcome.ok) throw new Error(`an opening lot cannot fail: ${outcome.code}`);
  return outcome.ledger;
}
