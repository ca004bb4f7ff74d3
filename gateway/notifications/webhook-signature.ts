// Thread: any (pure): the gateway signs deliveries; receivers (and the tests) verify them.
import { createHmac, timingSafeEqual } from "node:crypto";

/** The signature scheme's version, the prefix of the header's value: a later scheme adds v2= beside it. */
const SIGNATURE_VERSION = "v1";

/**
 * The `x-loycore-signature` of a delivery: "v1=" and the hex HMAC-SHA256,
 * keyed with the endpoint's secret, of the `x-loycore-timestamp` value, a
 * "." and the body's bytes exactly as sent (docs/notifications.md shows a
 * receiver verifying it).
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `${SIGNATURE_VERSION}=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
}

/** True when `header` carries a v1 signature of (timestamp, body) by `secret` (compared in constant time). */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  return header
    .split(",")
    .map((part) => Buffer.from(part.trim()))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}
