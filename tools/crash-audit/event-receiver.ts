// Thread: the crash audit's own process: a webhook receiver the audited server delivers points.accrued events to.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhookSignature } from "../../gateway/notifications/webhook-signature.js";

/** The audit's endpoint: its id and secret on the audited server. */
export const AUDIT_WEBHOOK = { id: "crash-audit", secret: "crash-audit-secret-0123456789" } as const;
/** After the run, every acknowledged commit's event must have arrived within this long. */
export const EVENTS_WAIT_MAX_MILLISECONDS = 30_000;

/**
 * Receives the audited server's points.accrued events on 127.0.0.1 and
 * keeps the transactions they name; a delivery whose signature does not
 * verify is answered 401 and counted.
 */
export class EventReceiver {
  readonly transactions = new Set<string>();
  badSignatures = 0;
  private server: Server | null = null;

  /** Starts listening; resolves with the URL to configure. */
  async start(): Promise<string> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const signature = String(request.headers["x-loycore-signature"] ?? "");
        if (!verifyWebhookSignature(AUDIT_WEBHOOK.secret, String(request.headers["x-loycore-timestamp"]), body, signature)) {
          this.badSignatures += 1;
          response.writeHead(401).end();
          return;
        }
        const event = JSON.parse(body) as { kind: string; data: { transaction?: unknown } };
        if (event.kind === "points.accrued" && typeof event.data.transaction === "string") this.transactions.add(event.data.transaction);
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
  }

  /**
   * Waits (bounded) until every expected transaction has arrived; returns
   * those that never did, and the arrived ones nobody expected.
   */
  async awaitTransactions(expected: ReadonlySet<string>): Promise<{ missing: string[]; unexpected: string[] }> {
    const deadline = Date.now() + EVENTS_WAIT_MAX_MILLISECONDS;
    const missing = (): string[] => [...expected].filter((transaction) => !this.transactions.has(transaction));
    while (missing().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return { missing: missing(), unexpected: [...this.transactions].filter((transaction) => !expected.has(transaction)) };
  }
}
