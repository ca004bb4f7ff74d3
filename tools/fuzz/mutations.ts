// Mutations that make valid requests invalid, and the requests they give; runs in the fuzzer's own process, not in the gateway.
import fc from "fast-check";
import {
  LINE_AMOUNT_MINOR_MAX,
  LINE_QUANTITY_MAX,
  MEMBER_NAME_LENGTH_MAX,
  POINTS_BALANCE_MAX,
  RECEIPT_TIME_MAX_EPOCH_MILLISECONDS,
  RECEIPT_TIME_MIN_EPOCH_MILLISECONDS,
  RECEIPT_TOTAL_MINOR_MAX,
} from "../../domain/limits.js";
import {
  FIELDS,
  LINE_FIELDS,
  NEAR_MISS_KEYS,
  RECEIPT_FIELDS,
  REFUND_FIELDS,
  REFUND_LINE_FIELDS,
  REFUND_LINE_INDEX_MAX,
  VISIT_FIELDS,
  PAYMENT_AMOUNT_MAX_MINOR,
  PAYMENT_FIELDS,
  describe,
  isOperation,
  refusalOfOtherThanAnOperation,
  refusedWith,
} from "./vocabulary.js";
import type { Expectation, Operation } from "./vocabulary.js";
import { longString } from "./msgpack.js";
import { printableAscii } from "./character-sets.js";
import {
  FUZZ_ID_PREFIX,
  baseRequest,
  fuzzId,
  unenrolledCard,
  unenrolledPhone,
  validLine,
  validQuantity,
  validReceipt,
} from "./valid-requests.js";
import type { SentinelMember } from "./valid-requests.js";
import {
  invalidArray,
  invalidBirthDate,
  invalidBoolean,
  invalidCard,
  invalidClientId,
  invalidInteger,
  invalidName,
  invalidObject,
  invalidPhone,
  invalidQuantity,
  invalidVisitStatus,
  nonString,
  unknownFieldValue,
} from "./invalid-values.js";

const ABSENT = Symbol("absent");
type Path = readonly (string | number)[];

interface Edit {
  readonly path: Path;
  readonly value: unknown;
}

/** One way of breaking a request: the edits it makes and the paths it owns (mutations never overlap). */
interface Mutation {
  readonly note: string;
  readonly edits: readonly Edit[];
}

function pathText(path: Path): string {
  return path.map((segment, index) => (typeof segment === "number" ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join("");
}

function isPrefix(shorter: Path, longer: Path): boolean {
  return shorter.length <= longer.length && shorter.every((segment, index) => segment === longer[index]);
}

function overlaps(first: Mutation, second: Mutation): boolean {
  return first.edits.some((a) => second.edits.some((b) => isPrefix(a.path, b.path) || isPrefix(b.path, a.path)));
}

function set(path: Path, values: fc.Arbitrary<unknown>, what: string): fc.Arbitrary<Mutation> {
  return values.map((value) => ({ note: `${pathText(path)} ${what}: ${describe(value)}`, edits: [{ path, value }] }));
}

function remove(path: Path): fc.Arbitrary<Mutation> {
  return fc.constant({ note: `${pathText(path)} missing`, edits: [{ path, value: ABSENT }] });
}

function unknownField(parent: Path, known: readonly string[]): fc.Arbitrary<Mutation> {
  const key = fc
    .oneof(fc.constantFrom(...NEAR_MISS_KEYS), fc.string({ maxLength: 12 }), fc.string({ unit: "binary", minLength: 1, maxLength: 8 }), longString(printableAscii, 100, 2_000))
    .filter((name) => !known.includes(name));
  return fc.tuple(key, unknownFieldValue).map(([name, value]) => ({
    note: `unknown field ${describe(name)} in ${parent.length === 0 ? "the request" : pathText(parent)}: ${describe(value)}`,
    edits: [{ path: [...parent, name], value }],
  }));
}

/** Breaks "exactly one of card or phone" (`required`: the operation needs one; else it may have none). */
function invalidMemberReference(member: SentinelMember, required: boolean): fc.Arbitrary<Mutation> {
  const reference = (note: string, card: unknown, phone: unknown): Mutation => ({
    note,
    edits: [
      { path: ["card"], value: card },
      { path: ["phone"], value: phone },
    ],
  });
  const variants: fc.Arbitrary<Mutation>[] = [
    fc.constant(reference("both card and phone", member.card, member.phone)),
    invalidCard(false).map((card) => reference(`card invalid: ${describe(card)}`, card, ABSENT)),
    invalidCard(false).map((card) => reference(`card invalid, phone null: ${describe(card)}`, card, null)),
    invalidPhone.map((phone) => reference(`phone invalid: ${describe(phone)}`, ABSENT, phone)),
    fc.tuple(invalidCard(false), invalidPhone).map(([card, phone]) => reference(`card and phone invalid: ${describe(card)}, ${describe(phone)}`, card, phone)),
  ];
  if (required) {
    variants.push(
      fc.constantFrom(
        reference("neither card nor phone", ABSENT, ABSENT),
        reference("card and phone null", null, null),
        reference("card null, phone missing", null, ABSENT),
      ),
    );
  }
  return fc.oneof(...variants);
}

function lineMutations(prefix: Path): fc.Arbitrary<Mutation>[] {
  const line = [...prefix, 0];
  return [
    set(line, invalidObject(validLine), "not an object"),
    remove([...line, "sku"]),
    remove([...line, "qty"]),
    remove([...line, "price"]),
    remove([...line, "amount"]),
    set([...line, "sku"], invalidClientId(true), "invalid"),
    set([...line, "qty"], invalidQuantity, "invalid"),
    set([...line, "price"], invalidInteger(0, LINE_AMOUNT_MINOR_MAX, true), "invalid money"),
    set([...line, "amount"], invalidInteger(0, LINE_AMOUNT_MINOR_MAX, true), "invalid money"),
    set([...line, "noDiscount"], invalidBoolean, "not a boolean"),
    set([...line, "noPoints"], invalidBoolean, "not a boolean"),
    unknownField(line, LINE_FIELDS),
  ];
}

function receiptMutations(member: SentinelMember): fc.Arbitrary<Mutation>[] {
  const receipt = ["receipt"];
  return [
    set(receipt, invalidObject(validReceipt(member)), "not an object"),
    remove(receipt),
    remove([...receipt, "id"]),
    remove([...receipt, "lines"]),
    set([...receipt, "id"], invalidClientId(true), "invalid"),
    set([...receipt, "store"], fc.oneof(invalidClientId(false), fuzzId.map((store) => `${store}-other-store`)), "invalid or another store"),
    set([...receipt, "at"], fc.oneof(invalidInteger(RECEIPT_TIME_MIN_EPOCH_MILLISECONDS, RECEIPT_TIME_MAX_EPOCH_MILLISECONDS, false), fc.constant(1_763_800_000)), "invalid time"),
    set([...receipt, "lines"], invalidArray(validLine), "not 1 to 500 lines"),
    set(
      [...receipt, "lines"],
      fc.tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: Math.ceil(RECEIPT_TOTAL_MINOR_MAX / 2) + 1, max: LINE_AMOUNT_MINOR_MAX })).map(([length, amount]) =>
        Array.from({ length }, (_unused, index) => ({ sku: `${FUZZ_ID_PREFIX}${index}`, qty: 1, price: amount, amount })),
      ),
      "summing over 10^11",
    ),
    unknownField(receipt, RECEIPT_FIELDS),
    ...lineMutations([...receipt, "lines"]),
  ];
}

/** A WebSocket request's `op` that names no operation, or none at all. */
function operationNameMutations(op: Operation): fc.Arbitrary<Mutation>[] {
  return [
    set(
      ["op"],
      fc.oneof(
        fc.constantFrom(op.toUpperCase(), `${op} `, ` ${op}`, `${op}s`, "transfer", "", "__proto__", "constructor", "Ping"),
        fc.string({ maxLength: 16 }).filter((name) => !isOperation(name)),
        nonString,
        fc.constant(null),
      ),
      "not an operation",
    ),
    remove(["op"]),
  ];
}

function visitMutations(): fc.Arbitrary<Mutation>[] {
  const visit = ["visit"];
  return [
    set(visit, invalidObject(fc.constant({ id: "fz-v", status: "came" })), "not an object"),
    remove(visit),
    remove([...visit, "id"]),
    remove([...visit, "status"]),
    set([...visit, "id"], invalidClientId(true), "invalid"),
    set([...visit, "status"], invalidVisitStatus, "invalid"),
    set([...visit, "at"], invalidInteger(RECEIPT_TIME_MIN_EPOCH_MILLISECONDS, RECEIPT_TIME_MAX_EPOCH_MILLISECONDS, false), "invalid time"),
    unknownField(visit, VISIT_FIELDS),
  ];
}

function refundMutations(): fc.Arbitrary<Mutation>[] {
  const refund = ["refund"];
  const refundLine = fc.record({ line: fc.integer({ min: 0, max: 10 }), qty: validQuantity });
  const line = [...refund, "lines", 0];
  return [
    set(refund, invalidObject(fc.constant({ id: "fz-f", receipt: "fz-r", lines: [{ line: 0, qty: 1 }] })), "not an object"),
    remove(refund),
    remove([...refund, "id"]),
    remove([...refund, "receipt"]),
    remove([...refund, "lines"]),
    set([...refund, "id"], invalidClientId(true), "invalid"),
    set([...refund, "receipt"], invalidClientId(true), "invalid"),
    set([...refund, "lines"], invalidArray(refundLine), "not 1 to 500 lines"),
    unknownField(refund, REFUND_FIELDS),
    set(line, invalidObject(refundLine), "not an object"),
    remove([...line, "line"]),
    remove([...line, "qty"]),
    set([...line, "line"], invalidInteger(0, REFUND_LINE_INDEX_MAX, true), "invalid index"),
    set([...line, "qty"], invalidQuantity, "invalid"),
    unknownField(line, REFUND_LINE_FIELDS),
  ];
}

function paymentMutations(): fc.Arbitrary<Mutation>[] {
  const payment = ["payment"];
  return [
    set(payment, invalidObject(fc.constant({ id: "fz-p", receipt: "fz-r", amount: 1 })), "not an object"),
    remove(payment),
    remove([...payment, "id"]),
    remove([...payment, "receipt"]),
    remove([...payment, "amount"]),
    set([...payment, "id"], invalidClientId(true), "invalid"),
    set([...payment, "receipt"], invalidClientId(true), "invalid"),
    set([...payment, "amount"], invalidInteger(1, PAYMENT_AMOUNT_MAX_MINOR, true), "invalid amount"),
    set([...payment, "at"], invalidInteger(RECEIPT_TIME_MIN_EPOCH_MILLISECONDS, RECEIPT_TIME_MAX_EPOCH_MILLISECONDS, false), "invalid time"),
    unknownField(payment, PAYMENT_FIELDS),
  ];
}

/** Bad shapes of a lane's card operation's object (`issue`, `block`, `replace`). */
function cardOperationMutations(op: "issueCard" | "blockCard" | "replaceCard"): fc.Arbitrary<Mutation>[] {
  const key = op === "issueCard" ? "issue" : op === "blockCard" ? "block" : "replace";
  const parent = [key];
  const mutations: fc.Arbitrary<Mutation>[] = [remove(parent), set(parent, invalidObject(fc.constant({ card: "FZ1" })), "not an object"), set([...parent, "card"], invalidCard(true), "invalid")];
  if (op === "issueCard") mutations.push(unknownField(parent, ["card", "type", "expiresAt"]), set([...parent, "type"], fc.constantFrom("no-such-type", 7, true), "not a card type"));
  if (op === "blockCard") mutations.push(unknownField(parent, ["card", "reason"]), remove([...parent, "reason"]), set([...parent, "reason"], invalidName, "invalid"));
  if (op === "replaceCard") mutations.push(unknownField(parent, ["card", "with"]), remove([...parent, "with"]), set([...parent, "with", "card"], invalidCard(true), "invalid"));
  return mutations;
}

function validationMutations(op: Operation, member: SentinelMember, transport: "websocket" | "http"): fc.Arbitrary<Mutation>[] {
  const topLevelKnown = [...FIELDS[op], "id", "op"];
  const mutations: fc.Arbitrary<Mutation>[] = [unknownField([], topLevelKnown)];
  if (transport === "websocket") mutations.push(...operationNameMutations(op));
  switch (op) {
    case "ping":
      break;
    case "identify":
      mutations.push(invalidMemberReference(member, true));
      break;
    case "balance":
      mutations.push(invalidMemberReference(member, true), set(["detail"], invalidBoolean, "not a boolean"));
      break;
    case "calculate":
    case "commit":
      mutations.push(
        invalidMemberReference(member, true),
        set(["redeem"], invalidInteger(0, POINTS_BALANCE_MAX, false), "invalid points"),
        ...receiptMutations(member),
      );
      if (op === "calculate") mutations.push(set(["hold"], invalidBoolean, "not a boolean"));
      break;
    case "enroll":
      mutations.push(
        set(["card"], invalidCard(true), "invalid"),
        remove(["card"]),
        set(["phone"], invalidPhone, "invalid"),
        set(["name"], invalidName, "invalid"),
        set(["birthDate"], invalidBirthDate, "invalid"),
      );
      break;
    case "reportVisit":
      mutations.push(invalidMemberReference(member, true), ...visitMutations());
      break;
    case "cancel":
      mutations.push(invalidMemberReference(member, false), set(["receipt"], invalidClientId(true), "invalid"), remove(["receipt"]));
      break;
    case "refund":
      mutations.push(invalidMemberReference(member, false), ...refundMutations());
      break;
    case "payment":
      mutations.push(invalidMemberReference(member, false), ...paymentMutations());
      break;
    case "issueCard":
    case "blockCard":
    case "replaceCard":
      mutations.push(invalidMemberReference(member, true), ...cardOperationMutations(op));
      break;
  }
  return mutations;
}

/** A mutation that leaves a well-formed request the domain refuses, with the codes it may be refused with. */
interface DomainMutation {
  readonly mutation: Mutation;
  readonly expectation: Expectation;
  /** A card the request named that must still be unknown afterwards. */
  readonly absentCard?: string;
}

function mutationOf(note: string, ...list: Edit[]): Mutation {
  return { note, edits: list };
}

/** A receipt id committed for a demo member, sent again with other content. */
function reusedReceiptIds(members: readonly SentinelMember[]): fc.Arbitrary<DomainMutation> {
  return fc.constantFrom(...members).map((owner) => ({
    mutation: mutationOf(
      `receipt id ${owner.welcomeReceipt} (committed for ${owner.card}) with other content`,
      { path: ["receipt", "id"], value: owner.welcomeReceipt },
      { path: ["redeem"], value: ABSENT },
    ),
    expectation: refusedWith("CONFLICT"),
  }));
}

/** Enrolling an enrolled card with another name, or any card with a phone that is taken. */
function enrolmentConflicts(
  member: SentinelMember,
  members: readonly SentinelMember[],
  otherMember: fc.Arbitrary<SentinelMember> | undefined,
): fc.Arbitrary<DomainMutation>[] {
  const otherName = fc
    .oneof(fuzzId, fc.string({ unit: "binary", minLength: 1, maxLength: 60 }))
    .filter((name) => name.length <= MEMBER_NAME_LENGTH_MAX && name !== member.name);
  const list: fc.Arbitrary<DomainMutation>[] = [
    otherName.map((name) => ({
      mutation: mutationOf(`enrolled card with another name ${describe(name)}`, { path: ["name"], value: name }, { path: ["phone"], value: member.phone }),
      expectation: refusedWith("CONFLICT"),
    })),
    fc.tuple(unenrolledCard, fc.constantFrom(...members)).map(([card, owner]) => ({
      mutation: mutationOf(`new card ${card} with ${owner.card}'s phone`, { path: ["card"], value: card }, { path: ["phone"], value: owner.phone }),
      expectation: refusedWith("PHONE_TAKEN"),
      absentCard: card,
    })),
  ];
  if (otherMember !== undefined) {
    list.push(
      otherMember.map((other) => ({
        mutation: mutationOf(`enrolled card with ${other.card}'s phone`, { path: ["phone"], value: other.phone }),
        expectation: refusedWith("PHONE_TAKEN"),
      })),
    );
  }
  return list;
}

/** Cancelling a receipt never committed, or another member's. */
function cancelsOfUnknownReceipts(member: SentinelMember, otherMember: fc.Arbitrary<SentinelMember> | undefined): fc.Arbitrary<DomainMutation>[] {
  const list: fc.Arbitrary<DomainMutation>[] = [
    fuzzId.map((receipt) => ({ mutation: mutationOf(`never committed receipt ${receipt}`, { path: ["receipt"], value: receipt }), expectation: refusedWith("UNKNOWN_RECEIPT") })),
  ];
  if (otherMember !== undefined) {
    list.push(
      otherMember.map((owner) => ({
        mutation: mutationOf(
          `${owner.card}'s receipt ${owner.welcomeReceipt} with ${member.card}'s card`,
          { path: ["card"], value: member.card },
          { path: ["phone"], value: ABSENT },
          { path: ["receipt"], value: owner.welcomeReceipt },
        ),
        expectation: refusedWith("UNKNOWN_RECEIPT"),
      })),
    );
  }
  return list;
}

/** Returns of more than a welcome receipt has, of a receipt never committed, or of another member's. */
function refusedRefunds(
  member: SentinelMember,
  members: readonly SentinelMember[],
  otherMember: fc.Arbitrary<SentinelMember> | undefined,
): fc.Arbitrary<DomainMutation>[] {
  // The welcome receipt has one line of quantity 1: a return of more, or of a line it does not have, is refused.
  const ownCardOrNone = fc.constantFrom<readonly Edit[]>(
    [{ path: ["card"], value: member.card }, { path: ["phone"], value: ABSENT }],
    [{ path: ["phone"], value: member.phone }, { path: ["card"], value: ABSENT }],
    [{ path: ["card"], value: ABSENT }, { path: ["phone"], value: ABSENT }],
  );
  const tooMuch = fc.oneof(
    fc.record({ line: fc.constant(0), qty: fc.oneof(fc.integer({ min: 2, max: LINE_QUANTITY_MAX }), fc.double({ min: 1.01, max: 1000, noNaN: true })) }).map((line) => [line]),
    fc.record({ line: fc.integer({ min: 1, max: REFUND_LINE_INDEX_MAX }), qty: validQuantity }).map((line) => [line]),
    fc.tuple(fc.double({ min: 0.51, max: 1, noNaN: true }), fc.double({ min: 0.51, max: 1, noNaN: true })).map(([first, second]) => [
      { line: 0, qty: first },
      { line: 0, qty: second },
    ]),
  );
  const list: fc.Arbitrary<DomainMutation>[] = [
    fc.tuple(fc.constantFrom(...members), tooMuch, ownCardOrNone).map(([owner, lines, reference]) => ({
      mutation: mutationOf(
        `return of more than ${owner.welcomeReceipt} has: ${describe(lines)}`,
        ...(owner.card === member.card ? reference : [{ path: ["card"], value: ABSENT }, { path: ["phone"], value: ABSENT }]),
        { path: ["refund", "receipt"], value: owner.welcomeReceipt },
        { path: ["refund", "lines"], value: lines },
      ),
      // Two parts of one line summing over it may also be refused as malformed.
      expectation: lines.length > 1 ? refusedWith("RETURN_EXCEEDS_PURCHASE", "BAD_REQUEST") : refusedWith("RETURN_EXCEEDS_PURCHASE"),
    })),
    fuzzId.map((receipt) => ({
      mutation: mutationOf(`never committed receipt ${receipt}`, { path: ["refund", "receipt"], value: receipt }),
      expectation: refusedWith("UNKNOWN_RECEIPT"),
    })),
  ];
  if (otherMember !== undefined) {
    list.push(
      otherMember.map((owner) => ({
        mutation: mutationOf(
          `${owner.card}'s receipt ${owner.welcomeReceipt} with ${member.card}'s card`,
          { path: ["card"], value: member.card },
          { path: ["phone"], value: ABSENT },
          { path: ["refund", "receipt"], value: owner.welcomeReceipt },
          { path: ["refund", "lines"], value: [{ line: 0, qty: 1 }] },
        ),
        expectation: refusedWith("UNKNOWN_RECEIPT"),
      })),
    );
  }
  return list;
}

function domainMutations(op: Operation, member: SentinelMember, members: readonly SentinelMember[]): fc.Arbitrary<DomainMutation>[] {
  const others = members.filter((other) => other.card !== member.card);
  const otherMember = others.length > 0 ? fc.constantFrom(...others) : undefined;
  const unknownMember: fc.Arbitrary<DomainMutation>[] = [
    unenrolledCard.map((card) => ({
      mutation: mutationOf(`unknown card ${card}`, { path: ["card"], value: card }, { path: ["phone"], value: ABSENT }),
      expectation: refusedWith("UNKNOWN_CARD"),
    })),
    unenrolledPhone.map((phone) => ({
      mutation: mutationOf(`unknown phone ${phone}`, { path: ["phone"], value: phone }, { path: ["card"], value: ABSENT }),
      expectation: refusedWith("UNKNOWN_PHONE"),
    })),
  ];
  const overBalance = fc.integer({ min: member.balance + 1, max: POINTS_BALANCE_MAX }).map((redeem) => ({
    mutation: mutationOf(`redeem ${redeem} over the balance ${member.balance}`, { path: ["redeem"], value: redeem }),
    expectation: refusedWith("INSUFFICIENT_POINTS", "REDEEM_LIMIT_EXCEEDED"),
  }));
  switch (op) {
    case "ping":
      return [];
    case "identify":
    case "balance":
    case "reportVisit":
      return unknownMember;
    case "calculate":
      return [...unknownMember, overBalance];
    case "commit":
      return [...unknownMember, overBalance, reusedReceiptIds(members)];
    case "enroll":
      return enrolmentConflicts(member, members, otherMember);
    case "cancel":
      return cancelsOfUnknownReceipts(member, otherMember);
    case "refund":
      return refusedRefunds(member, members, otherMember);
    case "issueCard":
      // Another member's card is taken.
      return otherMember === undefined
        ? unknownMember
        : [...unknownMember, otherMember.map((owner) => ({ mutation: mutationOf(`${owner.card}, another member's card`, { path: ["issue", "card"], value: owner.card }), expectation: refusedWith("CARD_TAKEN") }))];
    case "blockCard":
    case "replaceCard":
      // A lane touches only the named member's cards.
      return otherMember === undefined
        ? unknownMember
        : [...unknownMember, otherMember.map((owner) => ({ mutation: mutationOf(`${owner.card}, another member's card`, { path: [op === "blockCard" ? "block" : "replace", "card"], value: owner.card }), expectation: refusedWith("UNKNOWN_CARD") }))];
    case "payment":
      // A payment toward a receipt never committed; a welcome receipt was paid in full, so it owes nothing.
      return [
        fuzzId.map((receipt) => ({ mutation: mutationOf(`never committed receipt ${receipt}`, { path: ["payment", "receipt"], value: receipt }), expectation: refusedWith("UNKNOWN_RECEIPT") })),
        fc.constant({
          mutation: mutationOf(`a payment toward ${member.welcomeReceipt}, paid in full`, { path: ["payment", "receipt"], value: member.welcomeReceipt }),
          expectation: refusedWith("PAYMENT_EXCEEDS_UNPAID"),
        }),
      ];
  }
}

function applyEdits(base: Record<string, unknown>, edits: readonly Edit[]): Record<string, unknown> {
  const copy = structuredClone(base);
  for (const { path, value } of edits) {
    let parent: unknown = copy;
    for (const segment of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[segment];
    const last = path[path.length - 1];
    if (last === undefined || typeof parent !== "object" || parent === null) throw new Error(`the fuzzer cannot edit ${pathText(path)}`);
    if (value === ABSENT) delete (parent as Record<string | number, unknown>)[last];
    // defineProperty: a key "__proto__" must become a field, not the object's prototype.
    else Object.defineProperty(parent, last, { value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** A request made to be refused: `request` is the WebSocket message without `id` (it has `op`). */
export interface InvalidRequest {
  readonly op: Operation;
  readonly request: Record<string, unknown>;
  readonly expectation: Expectation;
  readonly notes: readonly string[];
  readonly absentCard?: string;
}

/** BAD_REQUEST, unless a mutation made `op` a string that names no operation: that is NOT_FOUND, whatever else is wrong. */
function refusalOfValidationMutations(request: Record<string, unknown>): Expectation {
  return isOperation(request["op"]) ? refusedWith("BAD_REQUEST") : refusalOfOtherThanAnOperation(request["op"]);
}

/**
 * Requests of `op` aimed at the demo members, each refused: one to three validation mutations
 * (BAD_REQUEST, or NOT_FOUND for an unknown op name) or, a fifth of the time, one domain mutation (its code).
 */
export function invalidRequestArbitrary(op: Operation, members: readonly SentinelMember[], transport: "websocket" | "http"): fc.Arbitrary<InvalidRequest> {
  const forMember = (member: SentinelMember): fc.Arbitrary<InvalidRequest> => {
    const base = baseRequest(op, member);
    const slots = validationMutations(op, member, transport);
    const validation = fc
      .shuffledSubarray(slots, { minLength: 1, maxLength: Math.min(3, slots.length) })
      .chain((chosen) => fc.tuple(...chosen))
      .filter((mutations) => mutations.every((mutation, index) => mutations.slice(index + 1).every((other) => !overlaps(mutation, other))))
      .chain((mutations) =>
        base.map((request): InvalidRequest => {
          const edited = applyEdits(request, mutations.flatMap((mutation) => mutation.edits));
          return { op, request: edited, expectation: refusalOfValidationMutations(edited), notes: mutations.map((mutation) => mutation.note) };
        }),
      );
    const domain = domainMutations(op, member, members);
    if (domain.length === 0) return validation;
    const refusedByDomain = fc.tuple(base, fc.oneof(...domain)).map(
      ([request, { mutation, expectation, absentCard }]): InvalidRequest => ({
        op,
        request: applyEdits(request, mutation.edits),
        expectation,
        notes: [mutation.note],
        ...(absentCard === undefined ? {} : { absentCard }),
      }),
    );
    return fc.oneof({ arbitrary: validation, weight: 4 }, { arbitrary: refusedByDomain, weight: 1 });
  };
  return fc.oneof(...members.map(forMember));
}
