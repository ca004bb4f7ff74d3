import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyWebhookSignature, webhookSignature } from "./webhook-signature.js";

describe("webhook signatures", () => {
  it("are v1= and the hex HMAC-SHA256 of the timestamp, a dot and the body, keyed with the endpoint's secret", () => {
    const body = '{"id":"7-m1-3-0","kind":"points.accrued"}';
    const expected = createHmac("sha256", "s3cret-s3cret-s3cret").update(`1767225600000.${body}`).digest("hex");
    expect(webhookSignature("s3cret-s3cret-s3cret", "1767225600000", body)).toBe(`v1=${expected}`);
  });

  it("verify for the same secret, timestamp and body only", () => {
    const signature = webhookSignature("secret-one-secret", "100", "{}");
    expect(verifyWebhookSignature("secret-one-secret", "100", "{}", signature)).toBe(true);
    expect(verifyWebhookSignature("secret-one-secret", "100", "{}", `v2=abc, ${signature}`)).toBe(true);
    expect(verifyWebhookSignature("secret-two-secret", "100", "{}", signature)).toBe(false);
    expect(verifyWebhookSignature("secret-one-secret", "101", "{}", signature)).toBe(false);
    expect(verifyWebhookSignature("secret-one-secret", "100", "{ }", signature)).toBe(false);
    expect(verifyWebhookSignature("secret-one-secret", "100", "{}", "v1=00")).toBe(false);
  });
});
