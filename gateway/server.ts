// Thread: the gateway (main) thread; uWebSockets.js, transports, operations, admin, routing to shard threads.
import { performance } from "node:perf_hooks";
import uWS from "uWebSockets.js";
import { ShardCluster } from "./shards/shard-cluster.js";
import { SupervisedShardChannel } from "./shards/supervised-shard-channel.js";
import { AdminService } from "./admin/admin-service.js";
import { CampaignService } from "./admin/campaign-service.js";
import { PartnerProgramService } from "./admin/partner-program-service.js";
import { CardService } from "./operations/card-service.js";
import { Operators } from "./admin/operators.js";
import type { ServerConfig } from "./config.js";
import type { ControlStore } from "./control/control-store.js";
import { openDataDirectory, StartupError, type OpenedDataDirectory } from "./data-directory.js";
import { bearerToken, generateToken, hashToken } from "./control/tokens.js";
import { seedDemo, type DemoSummary } from "./demo.js";
import { GatewayMetrics } from "./metrics.js";
import { Enrollment } from "./operations/enrollment.js";
import { KeyLocks } from "./operations/key-locks.js";
import { backfillSearchIndexes } from "./directory/search-index-backfill.js";
import { MemberEdits } from "./admin/member-edits.js";
import { MemberSearch } from "./admin/member-search.js";
import { ReceiptIndex } from "./operations/receipt-index.js";
import { TerminalOperations } from "./operations/terminal-operations.js";
import { FamilyService } from "./operations/family-service.js";
import { FamilyRelay } from "./operations/family-relay.js";
import { FAMILY_HOLD_STALE_MILLISECONDS } from "../domain/family/family.js";
import { AdminTransport } from "./transport/admin-transport.js";
import { deliveryLimitsFrom } from "./notifications/delivery-limits.js";
import { WebhookAdmin } from "./notifications/webhook-admin.js";
import { DeliveryJournal } from "./notifications/delivery-journal.js";
import { WebhookDelivery } from "./notifications/webhook-delivery.js";
import { MessageTemplates } from "./notifications/message-templates.js";
import { WebhookMessages } from "./notifications/webhook-messages.js";
import { storedSubscribedKinds, WebhookEndpoints } from "./notifications/webhook-endpoints.js";
import { HttpExchange } from "./transport/http-exchange.js";
import { HttpTransport } from "./transport/http-transport.js";
import { registerConsole } from "./transport/console-files.js";
import { registerLandingPage } from "./transport/landing-page.js";
import { RequestHandler } from "./transport/request-handler.js";
import { TerminalAuthenticator } from "./transport/terminal-authenticator.js";
import { TerminalRateLimiter } from "./transport/terminal-rate-limiter.js";
import { WebSocketTransport } from "./transport/websocket-transport.js";
import { SurveyService } from "./surveys/survey-service.js";
import { SurveyPages } from "./surveys/survey-pages.js";
import { registerSurveyPages } from "./transport/survey-transport.js";

/** Shutdown answers requests in flight for at most this long before closing connections. */
const SHUTDOWN_DRAIN_MILLISECONDS = 10_000;
/** /health waits this long for every shard; a shard slower than this is not healthy. */
const HEALTH_TIMEOUT_MILLISECONDS = 1_000;

export { StartupError };

export interface StartedServer {
  readonly port: number;
  readonly url: string;
  readonly webSocketUrl: string;
  readonly shardThreads: number;
  /** Known when generated at this start, given in the configuration, or kept by the demo. */
  readonly adminToken: string | undefined;
  readonly demo: DemoSummary | undefined;
  close(): Promise<void>;
}

/** What the gateway thread runs on: the shard threads, the cluster over them, and the services built on it. */
interface Gateway {
  readonly channels: readonly SupervisedShardChannel[];
  readonly cluster: ShardCluster;
  readonly clock: () => number;
  readonly metrics: GatewayMetrics;
  readonly authenticator: TerminalAuthenticator;
  readonly enrollment: Enrollment;
  readonly receipts: ReceiptIndex;
  readonly operations: TerminalOperations;
  readonly admin: AdminService;
  readonly campaigns: CampaignService;
  readonly partnerPrograms: PartnerProgramService;
  readonly cards: CardService;
  readonly family: FamilyService;
  readonly familyRelay: FamilyRelay;
  readonly edits: MemberEdits;
  readonly search: MemberSearch;
  readonly operators: Operators;
  readonly handler: RequestHandler;
  readonly webhooks: { readonly endpoints: WebhookEndpoints; readonly delivery: WebhookDelivery; readonly admin: WebhookAdmin; readonly templates: MessageTemplates };
  readonly surveys: SurveyService;
  readonly surveyPages: SurveyPages;
  /** Where members' survey links point: LOYCORE_PUBLIC_URL, else set to the listening address once known. */
  readonly publicUrl: { value: string };
}

/**
 * Starts a loycore node: opens the control store and the directory, starts
 * one worker thread per shard over its own LMDB environment, and serves the
 * WebSocket, HTTP, admin and service endpoints from this (the gateway) thread.
 */
export async function startServer(config: ServerConfig, onShardExit: (shard: number, reason: string) => void): Promise<StartedServer> {
  const opened = await openDataDirectory({ dataDirectory: config.dataDirectory, shardThreads: config.shardThreads });
  const gateway = await buildGateway(config, opened, onShardExit);
  let stopping = false;
  // Before the demo enrols anyone: a directory without cards is complete at once. Off every answer's path.
  const backfill = backfillSearchIndexes(opened.directory, gateway.cluster, () => stopping).then(
    (members) => {
      if (members > 0) process.stderr.write(`search indexes: the names and e-mails of ${members} members enrolled before them are indexed\n`);
    },
    (error: unknown) => process.stderr.write(`search indexes: the backfill stopped (${error instanceof Error ? error.message : String(error)}); the next start resumes it\n`),
  );
  const { adminToken, demo } = await prepareAdminAccess(config, opened.control, gateway);

  const app = uWS.App();
  const webSocket = registerRoutes(app, gateway, () => stopping);
  const listenSocket = await listen(app, config);
  // Off every lane's path: reads the shards' outboxes and POSTs to webhook endpoints (docs/notifications.md).
  gateway.webhooks.delivery.start();
  // Off every lane's path: family intents a crash left between their two hops, and stale pool holds.
  gateway.familyRelay.start();
  const port = uWS.us_socket_local_port(listenSocket as unknown as uWS.us_socket);
  const publicHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  if (gateway.publicUrl.value === "") gateway.publicUrl.value = `http://${publicHost}:${port}`;

  return {
    port,
    url: `http://${publicHost}:${port}`,
    webSocketUrl: `ws://${publicHost}:${port}/v1/ws`,
    shardThreads: opened.placement.shardThreadCount,
    adminToken,
    demo,
    close: async () => {
      if (stopping) return;
      stopping = true;
      await backfill;
      await shutDown(listenSocket, webSocket, gateway, opened);
    },
  };
}

/** Starts the shard threads, builds the cluster over them, then the receipt index and the services. */
async function buildGateway(
  config: ServerConfig,
  opened: OpenedDataDirectory,
  onShardExit: (shard: number, reason: string) => void,
): Promise<Gateway> {
  const { control, directory, placement } = opened;
  // The receipt index is created once the cluster is; a shard restarted before that reports nothing new.
  let receipts: ReceiptIndex | undefined;
  const channels = await startShardChannels(config, opened, onShardExit, () => receipts);
  const cluster = new ShardCluster(placement, channels);
  const clock = (): number => Date.now();
  const metrics = new GatewayMetrics(cluster);
  const authenticator = new TerminalAuthenticator(control);
  // Enrolment and profile edits claim phones under the same locks ("phone:<phone>").
  const memberLocks = new KeyLocks();
  const enrollment = new Enrollment(directory, cluster, memberLocks);
  receipts = new ReceiptIndex(directory, (shard, through) => void cluster.sendReceiptIndexFloor(shard, through), { writeDelayMilliseconds: receiptIndexWriteDelay() });
  // Receipts the shards committed but the index may lack (a crash before their entries were written).
  for (const channel of channels) receipts.recover(channel.shardIndex, channel.ready.unindexedReceipts, channel.ready.lastSequence);
  await receipts.flush();
  const cards = new CardService(directory, control, cluster, clock);
  const family = new FamilyService(cluster, control, clock);
  const familyRelay = new FamilyRelay(cluster, family, clock, familyHoldStaleMilliseconds());
  const operations = new TerminalOperations(directory, cluster, enrollment, receipts, clock, cards, family);
  const admin = new AdminService(control, directory, cluster, enrollment, authenticator);
  const campaigns = new CampaignService(control, cluster);
  const partnerPrograms = new PartnerProgramService(control, cluster);
  const edits = new MemberEdits(directory, cluster, control, memberLocks, clock);
  const search = new MemberSearch(directory, cluster);
  const operators = new Operators(control, authenticator, clock);
  const rateLimiter = new TerminalRateLimiter(config.terminalRequestsPerSecond, () => performance.now());
  const handler = new RequestHandler(operations, metrics, clock, rateLimiter);
  const endpoints = new WebhookEndpoints(control, clock);
  const templates = new MessageTemplates(control, clock);
  // What the delivery loop did, on disk: the deliveries listing and the /metrics counters survive a restart.
  const journal = new DeliveryJournal(control, clock());
  metrics.restoreDeliveryTotals(journal.totalsOf());
  const delivery = new WebhookDelivery(cluster, endpoints, metrics.deliveryInstruments, clock, deliveryLimitsFrom(process.env), journal, new WebhookMessages(cluster, templates, control));
  const webhooks = { endpoints, delivery, admin: new WebhookAdmin(cluster, endpoints, delivery), templates };
  const publicUrl = { value: process.env["LOYCORE_PUBLIC_URL"] ?? "" };
  const surveys = new SurveyService(control, cluster, clock, () => publicUrl.value, () => endpoints.subscribedKinds().includes("survey.invitation"));
  const surveyPages = new SurveyPages(control, cluster, surveys.links, clock);
  // Shards write only the events some endpoint takes: tell them whenever the endpoints change.
  const wakeDelivery = endpoints.onChange;
  endpoints.onChange = () => {
    wakeDelivery();
    void cluster.broadcast({ kind: "setEventKinds", kinds: endpoints.subscribedKinds() });
  };
  return { channels, cluster, clock, metrics, authenticator, enrollment, receipts, operations, admin, campaigns, partnerPrograms, cards, family, familyRelay, edits, search, operators, handler, webhooks, surveys, surveyPages, publicUrl };
}

/** One supervised worker thread per shard, started one after another; a restarted shard's receipts go to the index once it exists. */
async function startShardChannels(
  config: ServerConfig,
  opened: OpenedDataDirectory,
  onShardExit: (shard: number, reason: string) => void,
  receipts: () => ReceiptIndex | undefined,
): Promise<SupervisedShardChannel[]> {
  const { control, directory, placement } = opened;
  const program = control.currentProgram() ?? null;
  // The partners' own programs in force (docs/program.md, "Partners' own programs").
  const partnerPrograms = control.partnerProgramsInForce().flatMap(({ partner, program: own }) => (own === null ? [] : [{ partner, program: own }]));
  const eventKinds = storedSubscribedKinds(control);
  const campaigns = control.currentCampaigns() ?? null;
  const floors = directory.receiptIndexFloors();
  const channels: SupervisedShardChannel[] = [];
  for (let shardIndex = 0; shardIndex < placement.shardThreadCount; shardIndex += 1) {
    channels.push(
      await SupervisedShardChannel.start(
        {
          shardIndex,
          storePath: opened.shardStorePath(shardIndex),
          ownedLogicalShards: placement.logicalShardsOf(shardIndex),
          program,
          ...(partnerPrograms.length === 0 ? {} : { partnerPrograms }),
          eventKinds,
          campaigns,
          receiptIndexThrough: floors.get(shardIndex) ?? 0,
          checkpoint: {
            ...(config.checkpointIntervalMilliseconds === undefined ? {} : { intervalMilliseconds: config.checkpointIntervalMilliseconds }),
            ...(config.checkpointTriggerMegabytes === undefined ? {} : { triggerBytes: config.checkpointTriggerMegabytes * 1024 * 1024 }),
          },
        },
        {
          onRestart: (shard, code) => process.stderr.write(`shard ${shard} exited with code ${code}; restarting it\n`),
          onGiveUp: (shard, reason) => onShardExit(shard, reason),
          onReady: (shard, ready) => receipts()?.recover(shard, ready.unindexedReceipts, ready.lastSequence),
        },
      ),
    );
  }
  return channels;
}

/** The admin token (given, kept, or generated now) and, with --demo, the seeded demo, whose token wins. */
async function prepareAdminAccess(
  config: ServerConfig,
  control: ControlStore,
  gateway: Gateway,
): Promise<{ adminToken: string | undefined; demo: DemoSummary | undefined }> {
  const { admin, operations, authenticator, clock } = gateway;
  let adminToken = await establishAdminToken(control, config, authenticator);
  let demo: DemoSummary | undefined;
  if (config.demo) {
    demo = await seedDemo({ control, admin, operations, authenticator, memberCount: config.demoMembers, adminToken, now: clock() });
    adminToken = demo.adminToken;
  }
  return { adminToken, demo };
}

/** Every route, in the order uWS must see them; returns the WebSocket transport, which shutdown drains. */
function registerRoutes(app: uWS.TemplatedApp, gateway: Gateway, isStopping: () => boolean): WebSocketTransport {
  const { authenticator, handler, metrics, admin, cards, operators } = gateway;
  const webSocket = new WebSocketTransport({ authenticator, handler, metrics, isStopping });
  webSocket.register(app);
  new HttpTransport(authenticator, handler).register(app);
  new AdminTransport(operators, admin, cards, gateway.edits, gateway.search, gateway.cluster, gateway.webhooks, gateway.campaigns, gateway.partnerPrograms, gateway.family, gateway.surveys).register(app);
  // The members' survey pages: the link's token is the credential (docs/surveys.md).
  registerSurveyPages(app, gateway.surveyPages);
  // After the WebSocket route: GET / and GET /v1/ws without an upgrade answer people with a browser.
  registerLandingPage(app);
  registerConsole(app);
  registerHealth(app, gateway.cluster, isStopping);
  registerMetrics(app, metrics);
  if (process.env["LOYCORE_FAULT_INJECTION"] === "1") registerCrashShardFault(app, authenticator, gateway.channels);
  app.get("/v1/:op", (response) => new HttpExchange(response, "json").fail("METHOD_NOT_ALLOWED", "operations are POST"));
  app.any("/*", (response) => new HttpExchange(response, "json").fail("NOT_FOUND", "no such endpoint"));
  return webSocket;
}

/** GET /health: 200 when every shard answers healthy in time and the node is not stopping, else 503. */
function registerHealth(app: uWS.TemplatedApp, cluster: ShardCluster, isStopping: () => boolean): void {
  app.get("/health", (response) => {
    const exchange = new HttpExchange(response, "json");
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), HEALTH_TIMEOUT_MILLISECONDS).unref());
    void Promise.race([cluster.broadcast({ kind: "health" }), timeout]).then((replies) => {
      const healthy = replies !== "timeout" && replies.every((reply) => reply.ok) && !isStopping();
      const shards = replies === "timeout" ? [] : replies.map((reply) => (reply.ok ? reply.value : { code: reply.code }));
      exchange.writeText(healthy ? 200 : 503, "application/json", JSON.stringify({ status: healthy ? "ok" : "unavailable", shards }));
    });
  });
}

/** GET /metrics: the Prometheus text of the gateway and its shards. */
function registerMetrics(app: uWS.TemplatedApp, metrics: GatewayMetrics): void {
  app.get("/metrics", (response) => {
    const exchange = new HttpExchange(response, "json");
    void metrics.render().then(
      ({ contentType, body }) => exchange.writeText(200, contentType, body),
      (error: unknown) => exchange.fail("INTERNAL", `metrics failed: ${String(error)}`),
    );
  });
}

/** Only for tests of supervision (LOYCORE_FAULT_INJECTION=1): the admin may ask a shard thread to die. */
function registerCrashShardFault(
  app: uWS.TemplatedApp,
  authenticator: TerminalAuthenticator,
  channels: readonly SupervisedShardChannel[],
): void {
  app.post("/v1/admin/faults/crash-shard/:shard", (response, request) => {
    const exchange = new HttpExchange(response, "json");
    const token = bearerToken(request.getHeader("authorization"));
    const channel = channels[Number(request.getParameter(0))];
    if (!authenticator.isAdmin(token)) exchange.fail("UNAUTHORIZED", "a valid admin token is required");
    else if (channel === undefined) exchange.fail("NOT_FOUND", "no such shard");
    else {
      channel.crashForTest();
      exchange.succeed({ shard: channel.shardIndex });
    }
  });
}

function listen(app: uWS.TemplatedApp, config: ServerConfig): Promise<uWS.us_listen_socket> {
  return new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen(config.host, config.port, (socket) => {
      if (socket === false) reject(new StartupError(`could not listen on ${config.host}:${config.port}`));
      else resolve(socket);
    });
  });
}

/** Stops listening, drains what is in flight, closes connections, then the index, the shards and the stores. */
async function shutDown(
  listenSocket: uWS.us_listen_socket,
  webSocket: WebSocketTransport,
  gateway: Gateway,
  opened: OpenedDataDirectory,
): Promise<void> {
  uWS.us_listen_socket_close(listenSocket);
  // Answer what is in flight before closing connections, so lanes need not retry it;
  // new requests meanwhile get SHUTTING_DOWN. Bounded: a stuck request does not hold shutdown.
  const deadline = Date.now() + SHUTDOWN_DRAIN_MILLISECONDS;
  while (webSocket.requestsInFlight > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  webSocket.closeAll();
  // Deliveries in flight are aborted; their events stay queued and go again after the restart (at least once).
  await gateway.webhooks.delivery.stop();
  await gateway.familyRelay.stop();
  // The index first: the shards' last checkpoints wait for it.
  await gateway.receipts.flush();
  await gateway.cluster.close();
  await opened.close();
}

/**
 * LOYCORE_FAMILY_HOLD_STALE_MILLISECONDS: when the family relay resolves a pool hold with no commit
 * (default FAMILY_HOLD_STALE_MILLISECONDS, one minute). The crash audit shortens it so that holds a
 * kill left are resolved within its run; any value is safe (the abort protocol decides, not the time).
 */
function familyHoldStaleMilliseconds(): number {
  const text = process.env["LOYCORE_FAMILY_HOLD_STALE_MILLISECONDS"];
  const value = text === undefined ? Number.NaN : Number(text);
  return Number.isSafeInteger(value) && value >= 100 ? value : FAMILY_HOLD_STALE_MILLISECONDS;
}

/** Crash tests hold the receipt index's writes (LOYCORE_RECEIPT_INDEX_WRITE_DELAY_MILLISECONDS), only with fault injection on. */
function receiptIndexWriteDelay(): number {
  if (process.env["LOYCORE_FAULT_INJECTION"] !== "1") return 0;
  const delay = Number(process.env["LOYCORE_RECEIPT_INDEX_WRITE_DELAY_MILLISECONDS"] ?? "0");
  return Number.isSafeInteger(delay) && delay > 0 ? delay : 0;
}

async function establishAdminToken(
  control: ControlStore,
  config: ServerConfig,
  authenticator: TerminalAuthenticator,
): Promise<string | undefined> {
  if (config.adminToken !== undefined) {
    const hash = hashToken(config.adminToken);
    if (control.readSetting<string>("adminTokenHash") !== hash) await control.writeSetting("adminTokenHash", hash);
    authenticator.setAdminTokenHash(hash);
    return config.adminToken;
  }
  if (control.readSetting<string>("adminTokenHash") !== undefined) return undefined;
  const token = generateToken("la");
  const hash = hashToken(token);
  await control.writeSetting("adminTokenHash", hash);
  authenticator.setAdminTokenHash(hash);
  return token;
}
