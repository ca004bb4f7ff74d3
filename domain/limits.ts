/**
 * Every limit of loycore's domain, in one place. Units come last in each name;
 * each comment says why the number is what it is. Gateway and shard limits
 * (frames, mailboxes, batches) live next to their owners and refer here for
 * the domain sizes they are derived from.
 */

/** A supermarket receipt rarely has more than 100 lines; 500 leaves room for wholesale baskets. */
export const RECEIPT_LINES_MAX = 500;

/** 10^11 kopecks = 1 billion roubles: far above any real receipt, far below 2^53. */
export const RECEIPT_TOTAL_MINOR_MAX = 100_000_000_000;

/** One line's amount has the same ceiling as the whole receipt. */
export const LINE_AMOUNT_MINOR_MAX = RECEIPT_TOTAL_MINOR_MAX;

/** Quantity is a count or a weight (kilograms with grams); a million units is no retail line. */
export const LINE_QUANTITY_MAX = 1_000_000;

/** Client ids (receipt ids, SKUs, store ids) fit POS systems' own keys; 64 bytes is generous. */
export const CLIENT_IDENTIFIER_LENGTH_MAX = 64;

/** Card numbers: EAN-13 and PAN-like numbers fit; 32 leaves room for prefixes. */
export const CARD_NUMBER_LENGTH_MAX = 32;

/** E.164 allows at most 15 digits; 5 is the shortest national number we accept. */
export const PHONE_DIGITS_MIN = 5;
export const PHONE_DIGITS_MAX = 15;

/** A member's display name; longer input is refused, not truncated. */
export const MEMBER_NAME_LENGTH_MAX = 200;

/** RFC 5321 caps a mailbox path at 256 octets with its angle brackets: 254 characters of address. */
export const EMAIL_LENGTH_MAX = 254;

/** Points balance ceiling: a safe integer with room to add one receipt's accrual. */
export const POINTS_BALANCE_MAX = 1_000_000_000_000_000;

/**
 * Receipt time may be given by the POS. There is no lower bound relative to
 * now: an offline lane may send receipts days or weeks old, and a receipt
 * dated before the member's remembered periods counts in none of them. The
 * absolute range keeps dates sane for the calendar and the codecs.
 */
export const RECEIPT_TIME_MIN_EPOCH_MILLISECONDS = Date.UTC(2000, 0, 1);
export const RECEIPT_TIME_MAX_EPOCH_MILLISECONDS = Date.UTC(2200, 0, 1);

/**
 * How far ahead of the server's clock a receipt or visit time may be: a
 * till's clock drifts by seconds to minutes between syncs, so ten minutes
 * lets a skewed till work, while a receipt dated hours or a year ahead (a
 * typo, a till set to the wrong year) is refused TIME_IN_FUTURE. Accepting
 * one would move the member's last visit and remembered periods into the
 * future, and later, correctly dated receipts would stop counting.
 */
export const RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS = 10 * 60 * 1000;

/**
 * Quantities are counted in thousandths (grams of a kilogram) when goods come
 * back, so a quantity must be at least one thousandth: a smaller one could not
 * be returned.
 */
export const LINE_QUANTITY_MIN = 0.001;

/** Printable client ids: no control characters, no surprises in logs or keys. */
export const CLIENT_IDENTIFIER_PATTERN = /^[\x21-\x7e]+$/;
