import { arch, cpus, loadavg, platform, release, totalmem } from "node:os";
import { demoCard } from "../../../gateway/demo.js";
import { startGateway } from "../../gateway-process.js";
import { readProcessRssMebibytes } from "../http-server-sampler.js";
import { startHttpCeilingServer } from "../http-ceiling-server-process.js";
import type { MachineDescription, PhaseResult, ScenarioResult, TargetCheck } from "../scenario-result.js";
import { parseHttpScenarioOptions } from "./http-options.js";
import type { HttpScenarioOptions } from "./http-options.js";
import { runHttpPhase } from "./http-phase.js";
import { ReceiptBodies } from "./http-receipts.js";

export { HttpScenarioUsageError, parseHttpScenarioOptions } from "./http-options.js";

export interface ScenarioContext {
  log(line: string): void;
  progress(line: string): void;
}

const BYTES_PER_GIBIBYTE = 1024 ** 3;

/** A probe that takes longer than this means loycore is not answering; the scenario says so instead of hanging. */
const PROBE_TIMEOUT_MILLISECONDS = 10_000;

/** Where loycore runs for this scenario: started here (pid known) or remote. */
interface LoycoreTarget {
  readonly url: string;
  readonly token: string;
  readonly pid: number | null;
  readonly cards: readonly string[];
  readonly startSeconds: number | null;
  stop(): Promise<void>;
}

export function describeMachine(): MachineDescription {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? "unknown",
    cores: processors.length,
    totalMemoryGibibytes: totalmem() / BYTES_PER_GIBIBYTE,
    nodeVersion: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    loadAverageAtStart: loadavg(),
  };
}

async function startLoycore(options: HttpScenarioOptions, context: ScenarioContext): Promise<LoycoreTarget> {
  if (options.url !== undefined && options.token !== undefined) {
    const cards = Array.from({ length: options.members }, (_, index) => demoCard(index + 1));
    return { url: options.url, token: options.token, pid: null, cards, startSeconds: null, stop: async () => {} };
  }
  context.log(`starting loycore with ${options.members} demo members`);
  const started = performance.now();
  const gateway = await startGateway(options.members);
  return {
    url: gateway.url,
    token: gateway.terminalToken,
    pid: gateway.pid,
    cards: gateway.demoCards,
    startSeconds: (performance.now() - started) / 1000,
    stop: () => gateway.stop(),
  };
}

/**
 * The size in bytes of loycore's answer to each operation, from one real request of each: the ceiling
 * answers with bodies of the same size, so both phases move the same bytes.
 */
async function probeAnswerBytes(loycore: LoycoreTarget, receipts: ReceiptBodies): Promise<Map<string, number>> {
  const body = receipts.next();
  const sizes = new Map<string, number>();
  for (const operation of ["calculate", "commit"]) {
    const response = await fetch(`${loycore.url}/v1/${operation}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${loycore.token}` },
      body,
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MILLISECONDS),
    });
    const answer = await response.text();
    if (response.status !== 200) throw new Error(`loycore answered the probe ${operation} with ${response.status}: ${answer.slice(0, 300)}`);
    sizes.set(operation, Buffer.byteLength(answer));
  }
  return sizes;
}

function ratio(measured: number, ceiling: number): number {
  return ceiling > 0 ? measured / ceiling : 0;
}

/**
 * `npm run bench -- http`: the same operations over HTTP, driven by autocannon, first against a minimal
 * uWebSockets.js HTTP responder (the ceiling of this client on this machine), then against loycore, in
 * the same run. loycore is started here (a fresh gateway with demo members) unless --url names one.
 */
export async function runHttpScenario(argv: readonly string[], context: ScenarioContext): Promise<ScenarioResult> {
  const options = parseHttpScenarioOptions(argv);
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const runIdentifier = `http-${Date.now().toString(36)}`;

  const loycore = await startLoycore(options, context);
  const phases: PhaseResult[] = [];
  let serverRssMebibytesAfterStart: number | null = null;
  try {
    serverRssMebibytesAfterStart = loycore.pid === null ? null : readProcessRssMebibytes(loycore.pid);
    const answerBytes = await probeAnswerBytes(loycore, new ReceiptBodies(loycore.cards, `${runIdentifier}-probe`, options.receiptLines));
    context.log(`loycore's answers: ${[...answerBytes].map(([operation, bytes]) => `${operation} ${bytes} bytes`).join(", ")}`);

    const phaseSettings = {
      connections: options.connections,
      pipelining: options.pipelining,
      durationSeconds: options.durationSeconds,
      operation: options.operation,
      progress: (line: string) => context.progress(line),
    };

    const ceiling = await startHttpCeilingServer(answerBytes);
    try {
      context.log(`ceiling phase: ${options.durationSeconds} s against the HTTP ceiling at ${ceiling.url}`);
      phases.push(
        await runHttpPhase({
          ...phaseSettings,
          name: "ceiling",
          target: "ceiling",
          url: ceiling.url,
          token: loycore.token,
          serverPid: ceiling.pid,
          receipts: new ReceiptBodies(loycore.cards, `${runIdentifier}-c`, options.receiptLines),
        }),
      );
    } finally {
      await ceiling.stop();
    }

    context.log(`loycore phase: ${options.durationSeconds} s against loycore at ${loycore.url}`);
    phases.push(
      await runHttpPhase({
        ...phaseSettings,
        name: "loycore",
        target: "loycore",
        url: loycore.url,
        token: loycore.token,
        serverPid: loycore.pid,
        receipts: new ReceiptBodies(loycore.cards, `${runIdentifier}-l`, options.receiptLines),
      }),
    );
  } finally {
    await loycore.stop();
  }

  const [ceilingPhase, loycorePhase] = phases;
  const checks: TargetCheck[] =
    ceilingPhase === undefined || loycorePhase === undefined
      ? []
      : [
          {
            name: "loycore requests/s as a share of the HTTP ceiling",
            measured: ratio(loycorePhase.requestsPerSecond, ceilingPhase.requestsPerSecond),
            unit: "ratio",
            // The issue sets no HTTP target: the figure is reported, not judged.
            target: null,
            direction: "at-least",
            met: null,
          },
        ];

  return {
    scenario: "http",
    startedAt,
    machine,
    settings: {
      connections: options.connections,
      pipelining: options.pipelining,
      durationSeconds: options.durationSeconds,
      members: options.members,
      operation: options.operation,
      receiptLines: options.receiptLines,
      url: options.url ?? null,
      // A terminal token is a credential: a report that is shared must not carry it.
      token: options.token === undefined ? null : "(given, not recorded)",
    },
    phases,
    checks,
    dataset:
      options.url === undefined
        ? {
            members: options.members,
            importSeconds: null,
            membersPerSecond: null,
            serverStartSeconds: loycore.startSeconds,
            serverRssMebibytesAfterStart,
          }
        : null,
    notes: [
      "HTTP/1.1 with JSON bodies; the ceiling is a uWebSockets.js responder answering each operation with a body of the size loycore answers it with",
      ...(options.url === undefined ? [`loycore started here with ${options.members} demo members (serverStartSeconds includes seeding them)`] : [`remote loycore at ${options.url}: no server CPU or memory figures`]),
    ],
  };
}
