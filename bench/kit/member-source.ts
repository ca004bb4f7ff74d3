import { pack } from "msgpackr";

/**
 * The members the load draws from, and how the chosen member's card or phone is written into a
 * request frame. Two kinds:
 *
 * - demo-numbered: members 1..count with card demoCard(i) = "2000" + 9 digits and phone
 *   demoPhone(i) = "+7900" + 7 digits (gateway/demo.ts), as the bulk importer numbers them. Only the
 *   count travels to the load workers, and a member's card or phone is written digit by digit into
 *   the frame: 10M members cost no memory and no copy (lists would be about 1 GB per load thread).
 * - list: explicit cards and phones (--cards-file, members of a remote server's own), each encoded
 *   once on first use.
 *
 * Member indexes are 0-based: index i is member number i + 1.
 */

export interface DemoNumberedMembers {
  readonly kind: "demo-numbered";
  readonly count: number;
}

/** Explicit members; phones[i] belongs to cards[i] (null when unknown). */
export interface MemberList {
  readonly kind: "list";
  readonly cards: readonly string[];
  readonly phones: readonly (string | null)[];
}

export type MemberSource = DemoNumberedMembers | MemberList;

/** The 10M dataset is the largest the kit imports or loads (issue 5). */
export const DEMO_NUMBERED_MEMBERS_MAX = 10_000_000;

/** demoCard(i): "2000" then i on 9 digits (gateway/demo.ts). */
const DEMO_CARD_PREFIX = Buffer.from("2000", "latin1");
const DEMO_CARD_DIGITS = 9;
/** demoPhone(i): "+7900" then i on at least 7 digits: member 10,000,000 has 8 (gateway/demo.ts pads, never cuts). */
const DEMO_PHONE_PREFIX = Buffer.from("+7900", "latin1");
const DEMO_PHONE_DIGITS = 7;

/** msgpack fixstr holds up to 31 bytes; demo cards and phones are 13 bytes. */
const FIXSTR_LENGTH_MAX = 31;
const FIXSTR_TAG = 0xa0;
const ASCII_ZERO = 0x30;

export function demoNumberedMembers(count: number): DemoNumberedMembers {
  if (!Number.isInteger(count) || count < 1 || count > DEMO_NUMBERED_MEMBERS_MAX) {
    throw new Error(`demo-numbered members: count must be an integer from 1 to ${DEMO_NUMBERED_MEMBERS_MAX}, got ${count}`);
  }
  return { kind: "demo-numbered", count };
}

export function memberCount(source: MemberSource): number {
  return source.kind === "demo-numbered" ? source.count : source.cards.length;
}

function decimalDigits(value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
  return digits;
}

/**
 * Writes a member's card or phone as one msgpack string into a buffer. For demo-numbered members it
 * writes the fixed prefix and the member number's digits in place: nothing is allocated per request.
 */
export class MemberWriter {
  private readonly cardBytes: (Buffer | undefined)[];
  private readonly phoneBytes: (Buffer | undefined)[];

  constructor(private readonly source: MemberSource) {
    const listLength = source.kind === "list" ? source.cards.length : 0;
    this.cardBytes = new Array<Buffer | undefined>(listLength);
    this.phoneBytes = new Array<Buffer | undefined>(listLength);
  }

  get count(): number {
    return memberCount(this.source);
  }

  /** True when the member has a phone the load may identify them by (every demo member has one). */
  hasPhone(memberIndex: number): boolean {
    if (this.source.kind === "demo-numbered") return true;
    const phone = this.source.phones[memberIndex];
    return phone !== null && phone !== undefined;
  }

  /** Writes the member's card at `offset`; returns the offset after it. */
  writeCard(memberIndex: number, target: Buffer, offset: number): number {
    const source = this.source;
    if (source.kind === "demo-numbered") return writeDemoNumber(DEMO_CARD_PREFIX, DEMO_CARD_DIGITS, memberIndex + 1, target, offset);
    const bytes = (this.cardBytes[memberIndex] ??= encodedString(source.cards[memberIndex], "card", memberIndex));
    return offset + bytes.copy(target, offset);
  }

  /** Writes the member's phone at `offset`; returns the offset after it. Call only when hasPhone. */
  writePhone(memberIndex: number, target: Buffer, offset: number): number {
    const source = this.source;
    if (source.kind === "demo-numbered") return writeDemoNumber(DEMO_PHONE_PREFIX, DEMO_PHONE_DIGITS, memberIndex + 1, target, offset);
    const bytes = (this.phoneBytes[memberIndex] ??= encodedString(source.phones[memberIndex], "phone", memberIndex));
    return offset + bytes.copy(target, offset);
  }
}

function encodedString(value: string | null | undefined, what: string, memberIndex: number): Buffer {
  if (value === null || value === undefined) throw new Error(`member ${memberIndex} has no ${what}`);
  // Copied: msgpackr may hand out a view of a buffer it reuses.
  return Buffer.from(pack(value));
}

/** `prefix` then `number` zero-padded to at least `minimumDigits`, as one msgpack fixstr. */
function writeDemoNumber(prefix: Buffer, minimumDigits: number, number: number, target: Buffer, offset: number): number {
  const digits = Math.max(minimumDigits, decimalDigits(number));
  const textLength = prefix.length + digits;
  if (textLength > FIXSTR_LENGTH_MAX) throw new Error(`demo member ${number} does not fit a msgpack fixstr`);
  target[offset] = FIXSTR_TAG | textLength;
  let position = offset + 1 + prefix.copy(target, offset + 1);
  let rest = number;
  for (let digit = digits - 1; digit >= 0; digit -= 1) {
    target[position + digit] = ASCII_ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  position += digits;
  return position;
}
