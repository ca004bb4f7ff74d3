// Valid parts of requests, which the mutations then break; runs in the fuzzer's own process, not in the gateway.
import fc from "fast-check";
import { CARD_NUMBER_LENGTH_MAX, RECEIPT_TIME_MIN_EPOCH_MILLISECONDS } from "../../domain/limits.js";
import { LINE_QUANTITY_MIN } from "./vocabulary.js";
import type { Operation } from "./vocabulary.js";
import { cardCharacter, digit, printableAscii } from "./character-sets.js";

/** A demo member the fuzzer must leave unchanged, read from the admin member view before fuzzing. */
export interface SentinelMember {
  readonly card: string;
  /** As stored: "+" and digits. */
  readonly phone: string;
  readonly name: string;
  readonly balance: number;
  /** The member's demo welcome receipt (committed before the fuzzing) and its store, the terminal's. */
  readonly welcomeReceipt: string;
  readonly store: string;
}

/** A client id that was never committed: every receipt, refund and visit id the fuzzer makes starts with it. */
export const FUZZ_ID_PREFIX = "fz-";
export const fuzzId = fc.string({ unit: printableAscii, minLength: 1, maxLength: 24 }).map((suffix) => `${FUZZ_ID_PREFIX}${suffix}`);
export const validClientId = fc.string({ unit: printableAscii, minLength: 1, maxLength: 24 });
export const validCard = fc.string({ unit: cardCharacter, minLength: 1, maxLength: CARD_NUMBER_LENGTH_MAX });
export const validPhone = fc.tuple(fc.boolean(), fc.string({ unit: digit, minLength: 5, maxLength: 15 })).map(([plus, digits]) => `${plus ? "+" : ""}${digits}`);
/** Cards no member has: "FZ" and digits (demo cards are all digits). */
export const unenrolledCard = fc.string({ unit: digit, minLength: 1, maxLength: 20 }).map((digits) => `FZ${digits}`);
/** Phones no member has: demo phones are +7900... */
export const unenrolledPhone = fc.string({ unit: digit, minLength: 7, maxLength: 11 }).map((digits) => `+1555${digits}`);
/** Up to the fuzzer's start: a time ahead of the server's clock is refused TIME_IN_FUTURE (tested in gateway/idempotent-retries.test.ts). */
const validTime = fc.integer({ min: RECEIPT_TIME_MIN_EPOCH_MILLISECONDS, max: Date.now() });
export const validQuantity = fc.oneof(fc.integer({ min: 1, max: 10 }), fc.double({ min: LINE_QUANTITY_MIN, max: 100, noNaN: true }));

export const validLine = fc.record(
  {
    sku: validClientId.map((sku) => `${FUZZ_ID_PREFIX}${sku}`),
    qty: validQuantity,
    price: fc.integer({ min: 0, max: 1_000_000 }),
    amount: fc.integer({ min: 0, max: 1_000_000 }),
    noDiscount: fc.boolean(),
    noPoints: fc.boolean(),
  },
  { requiredKeys: ["sku", "qty", "price", "amount"] },
);

export function validReceipt(member: SentinelMember): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    { id: fuzzId, store: fc.constant(member.store), at: validTime, lines: fc.array(validLine, { minLength: 1, maxLength: 4 }) },
    { requiredKeys: ["id", "lines"] },
  );
}

function memberReference(member: SentinelMember): fc.Arbitrary<Record<string, unknown>> {
  return fc.constantFrom<Record<string, unknown>>({ card: member.card }, { phone: member.phone }, { phone: member.phone.replace(/^\+/, "") });
}

/** A card number never enrolled: "FZ" and digits (the fuzzer's own, like its ids). */
const fuzzCard = fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 8, maxLength: 20 }).map((digits) => `FZ${digits}`);

function optionalMemberReference(member: SentinelMember): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(memberReference(member), fc.constant({}));
}

/** A valid-shaped request of `op` for `member`; the mutations then make it invalid. */
export function baseRequest(op: Operation, member: SentinelMember): fc.Arbitrary<Record<string, unknown>> {
  const withOp = (fields: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> => fields.map((value) => ({ op, ...value }));
  const merge = (...parts: fc.Arbitrary<Record<string, unknown>>[]): fc.Arbitrary<Record<string, unknown>> =>
    withOp(fc.tuple(...parts).map((values) => Object.assign({}, ...values) as Record<string, unknown>));
  switch (op) {
    case "ping":
      return fc.constant({ op });
    case "identify":
      return merge(memberReference(member));
    case "balance":
      return merge(memberReference(member), fc.record({ detail: fc.boolean() }, { requiredKeys: [] }));
    case "calculate":
      return merge(
        memberReference(member),
        fc.record({ receipt: validReceipt(member), redeem: fc.integer({ min: 0, max: member.balance }), hold: fc.boolean() }, { requiredKeys: ["receipt"] }),
      );
    case "commit":
      return merge(
        memberReference(member),
        fc.record({ receipt: validReceipt(member), redeem: fc.integer({ min: 0, max: member.balance }) }, { requiredKeys: ["receipt"] }),
      );
    case "enroll":
      return merge(
        fc.record(
          { card: fc.constant(member.card), phone: fc.constant(member.phone), name: fc.constant(member.name), birthDate: fc.constant("1990-01-31") },
          { requiredKeys: ["card"] },
        ),
      );
    case "reportVisit":
      return merge(
        memberReference(member),
        fc.record({
          visit: fc.record({ id: fuzzId, status: fc.constantFrom("came", "didNotCome"), at: validTime }, { requiredKeys: ["id", "status"] }),
        }),
      );
    case "cancel":
      return merge(optionalMemberReference(member), fc.record({ receipt: fuzzId }));
    case "issueCard":
      return merge(memberReference(member), fc.record({ issue: fc.record({ card: fuzzCard, type: fc.constant(null) }, { requiredKeys: ["card"] }) }));
    case "blockCard":
      return merge(memberReference(member), fc.record({ block: fc.record({ card: fc.constant(member.card), reason: fc.constantFrom("lost", "stolen") }) }));
    case "replaceCard":
      return merge(memberReference(member), fc.record({ replace: fc.record({ card: fc.constant(member.card), with: fc.record({ card: fuzzCard }) }) }));
    case "payment":
      return merge(
        optionalMemberReference(member),
        fc.record({
          payment: fc.record({ id: fuzzId, receipt: fuzzId, amount: fc.integer({ min: 1, max: 1_000_000 }), at: validTime }, { requiredKeys: ["id", "receipt", "amount"] }),
        }),
      );
    case "refund":
      return merge(
        optionalMemberReference(member),
        fc.record({
          refund: fc.record({
            id: fuzzId,
            receipt: fuzzId,
            lines: fc.array(fc.record({ line: fc.integer({ min: 0, max: 10 }), qty: validQuantity }), { minLength: 1, maxLength: 3 }),
          }),
        }),
      );
  }
}
