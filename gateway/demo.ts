import type { MemberProfile } from "../domain/account/account.js";
import { FULL_EXAMPLE_PROGRAM } from "../domain/program/seed-programs.js";
import type { Receipt } from "../domain/receipt/receipt.js";
import type { AdminService } from "./admin/admin-service.js";
import type { ControlStore } from "./control/control-store.js";
import { generateToken, hashToken } from "./control/tokens.js";
import type { TerminalOperations } from "./operations/terminal-operations.js";
import type { TerminalAuthenticator } from "./transport/terminal-authenticator.js";

/**
 * The demo program: the seeds' statuses, rules, classes and categories
 * (domain/program/seed-programs.ts), with 5 % back in points and points paying
 * up to half a receipt, so that a demo lane can both earn and redeem.
 */
export const DEMO_PROGRAM = {
  ...FULL_EXAMPLE_PROGRAM,
  name: "Demo program: seed statuses, rules, classes and categories; 5 % back in points",
  points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000, pointValueMinor: 1 },
};
export const DEMO_PARTNER = { id: "demo-partner", name: "Demo retail network" };
export const DEMO_STORE = { id: "demo-store", partner: "demo-partner", name: "Demo store #1" };
export const DEMO_TERMINAL_ID = "demo-lane-1";
const DEMO_TERMINAL = { id: DEMO_TERMINAL_ID, store: DEMO_STORE.id, partner: DEMO_PARTNER.id };
/**
 * The time the bulk importer dates its synthetic members' welcome receipts at:
 * fixed, so that two imports make the same data directory. A demo seeded by
 * the server dates its welcome receipts at its first start instead
 * (DEMO_HISTORY_SETTING), so that fresh demo members are recent customers,
 * not lapsed ones.
 */
export const DEMO_WELCOME_RECEIPT_AT = Date.UTC(2026, 0, 1);
/**
 * Control-store setting holding the time of the demo's history: the first
 * start with --demo. Kept, so that seeding again at a later start repeats the
 * welcome receipts exactly (idempotent) instead of conflicting with them.
 */
const DEMO_HISTORY_SETTING = "demoHistoryAt";
/** 200.00 roubles: less the entry status's 2 % discount, 5 % of 196.00 leaves every demo member 980 points. */
const DEMO_WELCOME_RECEIPT_AMOUNT_MINOR = 20_000;
/** Enrolments in flight while seeding; they group-commit together. */
const DEMO_SEED_CONCURRENCY = 256;

export function demoCard(index: number): string {
  return `2000${String(index).padStart(9, "0")}`;
}

export function demoPhone(index: number): string {
  return `+7900${String(index).padStart(7, "0")}`;
}

/** The profile demo member `index` is enrolled with; the bulk importer's synthetic members use it too. */
export function demoMemberProfile(index: number): MemberProfile {
  return { card: demoCard(index), phone: demoPhone(index), name: `Demo Member ${index}`, birthDate: null };
}

/**
 * The receipt every demo member is welcomed with, at `at`. The bulk importer
 * puts it (at DEMO_WELCOME_RECEIPT_AT) at the start of each synthetic member's
 * history; seeding a demo over an imported data directory finds it committed.
 */
export function demoWelcomeReceipt(card: string, at: number = DEMO_WELCOME_RECEIPT_AT): Receipt {
  return {
    id: `welcome-${card}`,
    store: DEMO_STORE.id,
    at,
    lines: [{ sku: "welcome", qty: 1, price: DEMO_WELCOME_RECEIPT_AMOUNT_MINOR, amount: DEMO_WELCOME_RECEIPT_AMOUNT_MINOR }],
  };
}

export interface DemoSummary {
  readonly terminalToken: string;
  readonly adminToken: string;
  readonly cards: readonly string[];
}

interface DemoCredentials {
  readonly terminalToken: string;
  readonly adminToken: string;
}

/**
 * Makes the demo: program, partner, store, terminal and members, each only if
 * missing, through the same admin and terminal operations a user would call.
 * The demo's tokens are kept in the control store in plain text so that every
 * start can print them: a demo convenience, never done for real terminals.
 */
export async function seedDemo(context: {
  readonly control: ControlStore;
  readonly admin: AdminService;
  readonly operations: TerminalOperations;
  readonly authenticator: TerminalAuthenticator;
  readonly memberCount: number;
  readonly adminToken: string | undefined;
  /** The server's time now: a new demo's history is dated at it. */
  readonly now: number;
}): Promise<DemoSummary> {
  const { control, admin, operations, authenticator } = context;
  let credentials = control.readSetting<DemoCredentials>("demoCredentials");
  if (credentials === undefined) {
    credentials = { terminalToken: generateToken("lt"), adminToken: context.adminToken ?? generateToken("la") };
    await control.writeSetting("demoCredentials", credentials);
  }
  if (context.adminToken === undefined || context.adminToken === credentials.adminToken) {
    await control.writeSetting("adminTokenHash", hashToken(credentials.adminToken));
    authenticator.setAdminTokenHash(hashToken(credentials.adminToken));
  }
  if (control.currentProgram() === undefined) expectOk(await admin.putProgram(DEMO_PROGRAM), "demo program");
  expectOk(await admin.createPartner(DEMO_PARTNER), "demo partner");
  expectOk(await admin.createStore(DEMO_STORE), "demo store");
  if (control.readTerminal(DEMO_TERMINAL_ID) === undefined) {
    expectOk(await admin.createTerminal({ id: DEMO_TERMINAL_ID, store: DEMO_STORE.id }, "demo", credentials.terminalToken), "demo terminal");
  }

  let historyAt = control.readSetting<number>(DEMO_HISTORY_SETTING);
  if (historyAt === undefined) {
    historyAt = context.now;
    await control.writeSetting(DEMO_HISTORY_SETTING, historyAt);
  }

  const cards: string[] = [];
  for (let start = 1; start <= context.memberCount; start += DEMO_SEED_CONCURRENCY) {
    const batch: Promise<void>[] = [];
    for (let index = start; index < start + DEMO_SEED_CONCURRENCY && index <= context.memberCount; index += 1) {
      cards.push(demoCard(index));
      batch.push(seedMember(operations, index, historyAt));
    }
    await Promise.all(batch);
  }
  return {
    terminalToken: credentials.terminalToken,
    adminToken: context.adminToken ?? credentials.adminToken,
    cards,
  };
}

async function seedMember(operations: TerminalOperations, index: number, historyAt: number): Promise<void> {
  const card = demoCard(index);
  expectOk(await operations.execute({ op: "enroll", profile: demoMemberProfile(index) }, DEMO_TERMINAL), `demo member ${card}`);
  const welcomed = await operations.execute({
    op: "commit",
    member: { kind: "card", card },
    receipt: demoWelcomeReceipt(card, historyAt),
    redeem: 0,
    hold: false,
  }, DEMO_TERMINAL);
  // CONFLICT: the member already has its welcome receipt at another time (the
  // bulk importer's, or a demo seeded before demo history was kept): welcomed.
  if (!welcomed.ok && welcomed.code === "CONFLICT") return;
  expectOk(welcomed, `demo welcome receipt of ${card}`);
}

function expectOk(outcome: { ok: boolean; code?: string; message?: string }, what: string): void {
  if (!outcome.ok) throw new Error(`could not create the ${what}: ${outcome.code ?? ""} ${outcome.message ?? ""}`);
}
