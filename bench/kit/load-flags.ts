import { DATASET_FLAGS } from "./dataset-flags.js";
import type { FlagSpec, FlagValues } from "./kit-flags.js";
import { numberFlag, KitUsageError, OUTPUT_FLAGS, stringFlag } from "./kit-flags.js";
import type { ReceiptFlow, ReceiptMix } from "./receipt-mix.js";

/** Flags every WebSocket load scenario (lanes, peak, pipelined) takes, and their bounds. */

/** More load threads than cores only makes them contend; 8 covers a load machine bigger than the server. */
export const CLIENT_THREADS_MAX = 8;
/** An hour is a peak hour; anything longer is a soak test, not this kit. */
export const PHASE_SECONDS_MAX = 3_600;
/** The warm-up sizes the ceiling's answers and warms loycore's JIT; a minute is plenty. */
export const WARM_UP_SECONDS_MAX = 60;
/** loycore refuses receipts of more lines. */
export const RECEIPT_LINES_MAX = 500;

export const LOAD_FLAGS: readonly FlagSpec[] = [
  { name: "url", kind: "string", default: null, help: "WebSocket URL of a running loycore (ws://host:port/v1/ws); without it the kit starts its own gateway" },
  { name: "token", kind: "string", default: null, help: "terminal token for --url" },
  { name: "cards-file", kind: "string", default: null, help: "with --url: members to draw from, one per line as <card> or <card>,<phone> (default demoCard(1..--members))" },
  ...DATASET_FLAGS,
  { name: "client-threads", kind: "integer", minimum: 1, maximum: CLIENT_THREADS_MAX, default: 1, help: "load worker threads; connections and lanes are split between them" },
  { name: "warm-up-seconds", kind: "integer", minimum: 0, maximum: WARM_UP_SECONDS_MAX, default: 2, help: "loycore warm-up before the measured phases; it also measures answer sizes for the ceiling (0: none, default sizes)" },
  { name: "phone-share", kind: "number", minimum: 0, maximum: 1, default: 0.3, help: "share of receipts identified by phone instead of card" },
  { name: "redeem-share", kind: "number", minimum: 0, maximum: 1, default: 0.1, help: "share of receipts paid with points (as much as calculate says is redeemable)" },
  { name: "refund-share", kind: "number", minimum: 0, maximum: 1, default: 0.02, help: "share of receipts followed by a return of one item" },
  { name: "lines-min", kind: "integer", minimum: 1, maximum: RECEIPT_LINES_MAX, default: 1, help: "fewest lines per receipt" },
  { name: "lines-max", kind: "integer", minimum: 1, maximum: RECEIPT_LINES_MAX, default: 10, help: "most lines per receipt" },
  ...OUTPUT_FLAGS,
];

export function flowFlag(defaultFlow: ReceiptFlow): FlagSpec {
  return {
    name: "flow",
    kind: "choice",
    choices: ["full", "commit"],
    default: defaultFlow,
    help: "receipt flow: full = identify, calculate, commit (a POS lane); commit = commit only (a store server forwarding receipts)",
  };
}

/** Checks between flags, after each flag was checked on its own. */
export function validateLoadFlags(values: FlagValues): void {
  const url = stringFlag(values, "url");
  if (url !== null && !url.startsWith("ws://")) throw new KitUsageError(`--url must be a ws:// URL of loycore's /v1/ws; got "${url}"`);
  if (url !== null && stringFlag(values, "token") === null) throw new KitUsageError("--token is required with --url");
  if (url === null && stringFlag(values, "token") !== null) throw new KitUsageError("--token is only for --url");
  if (url === null && stringFlag(values, "cards-file") !== null) throw new KitUsageError("--cards-file is only for --url (the started gateway has its demo members)");
  if (url !== null && stringFlag(values, "data-dir") !== null) throw new KitUsageError("--data-dir is only for a gateway the kit starts (not with --url)");
  if (url !== null && stringFlag(values, "program-file") !== null) throw new KitUsageError("--program-file is only for a gateway the kit starts (not with --url: set the program through its admin API)");
  if (url !== null && stringFlag(values, "campaigns-file") !== null) throw new KitUsageError("--campaigns-file is only for a gateway the kit starts (not with --url: store the campaigns through its admin API)");
  if (url !== null && numberFlag(values, "family-share") > 0) throw new KitUsageError("--family-share is only for a gateway the kit starts (not with --url: join families through its admin API)");
  if (numberFlag(values, "lines-min") > numberFlag(values, "lines-max")) throw new KitUsageError("--lines-min must not exceed --lines-max");
}

export function mixFrom(values: FlagValues): ReceiptMix {
  const flow = stringFlag(values, "flow");
  return {
    phoneShare: numberFlag(values, "phone-share"),
    redeemShare: numberFlag(values, "redeem-share"),
    refundShare: numberFlag(values, "refund-share"),
    linesMinimum: numberFlag(values, "lines-min"),
    linesMaximum: numberFlag(values, "lines-max"),
    flow: flow === "commit" ? "commit" : "full",
  };
}
