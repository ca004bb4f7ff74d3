// Thread: the test's own process: a webhook receiver on 127.0.0.1 that records every request (tests).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedDelivery {
  readonly path: string;
  readonly eventId: string;
  readonly timestamp: string;
  readonly signature: string;
  /** The body's text exactly as received (what the signature covers). */
  readonly text: string;
  readonly body: { id: string; kind: string; at: number; member: string; data: Record<string, unknown> };
}

/** Answers 200 to every POST (500 on the paths in `refusing`) and keeps it; `url(path)` is where to point an endpoint. */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  /** Paths answered 500: an endpoint that is down. */
  readonly refusing = new Set<string>();
  private server: Server | null = null;
  private port = 0;

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        this.received.push({
          path: request.url ?? "",
          eventId: String(request.headers["x-loycore-event-id"]),
          timestamp: String(request.headers["x-loycore-timestamp"]),
          signature: String(request.headers["x-loycore-signature"] ?? ""),
          text,
          body: JSON.parse(text) as ReceivedDelivery["body"],
        });
        response.writeHead(this.refusing.has(request.url ?? "") ? 500 : 200).end();
      });
    });
    // The same port again after a stop (0 the first time): endpoints keep their URL across a receiver restart.
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  at(path: string): ReceivedDelivery[] {
    return this.received.filter((delivery) => delivery.path === path);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
  }
}

/** Polls `condition` every 50 ms until it holds, or throws after `timeoutMilliseconds`. */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMilliseconds = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMilliseconds;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
