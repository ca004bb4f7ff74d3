import { open, type Database, type RootDatabase } from "lmdb";
import type { OperatorRole, PartnerProgramVersion } from "../../protocol/admin-wire.js";
import type { Program } from "../../protocol/program-document.js";
import type { CampaignSet } from "../../protocol/campaign-document.js";
import type { Survey } from "../../protocol/survey-document.js";
import type { PlacementDocument } from "../../domain/placement/placement-table.js";
import { awaitLmdbWrite, lmdbEnvironmentOptions } from "../../shard/storage/storage-failure.js";

/** The administrative records are few and small; 64 MiB of address space is plenty to start. */
const LMDB_INITIAL_MAP_SIZE_BYTES = 64 * 1024 * 1024;
/**
 * A filtered audit page reads at most this many records, matching or not, then answers with what it
 * found and a `next` cursor: one page of a sparse filter over a long trail stays a few milliseconds of
 * the gateway thread.
 */
export const AUDIT_FILTER_SCAN_RECORDS_MAX = 5_000;

/** An operator of the admin API and console; the password only as its scrypt hash (operator-passwords.ts). */
export interface OperatorRecord {
  readonly name: string;
  readonly role: OperatorRole;
  readonly passwordHash: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly disabledAt?: number;
}

/** Which audit entries a page keeps; an absent field keeps all. */
export interface AuditFilter {
  readonly operator?: string;
  readonly action?: string;
}

export interface PartnerRecord {
  readonly id: string;
  readonly name: string;
}

export interface StoreRecord {
  readonly id: string;
  readonly partner: string;
  readonly name: string;
}

/** A stored version of a partner's program (null: back to the coalition program), and who stored it. */
export type PartnerProgramRecord = PartnerProgramVersion & { readonly at: number; readonly operator: string };

/** A key of the webhook delivery journal: its section, then the endpoint, then the record's own parts. */
export type DeliveryJournalKey = (string | number)[];

/** One page of a listing in key order, and the cursor of the next page (null: this page is the last). */
export interface ControlPage<Item, Cursor> {
  readonly items: Item[];
  readonly next: Cursor | null;
}

/** One administrative action, kept for the audit trail. */
export interface AuditRecord {
  readonly sequence: number;
  readonly at: number;
  readonly action: string;
  readonly operator: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface TerminalRecord {
  readonly id: string;
  readonly store: string;
  readonly partner: string;
  /** SHA-256 of the token, base64url: the token itself is never stored. */
  readonly tokenHash: string;
  /** Set once the terminal is revoked (epoch milliseconds): its token is refused from then on. */
  readonly revokedAt?: number;
}

/**
 * Administrative state of one loycore node: program versions, partners,
 * stores, terminals, the admin token's hash and the placement table. Written
 * only by the gateway thread, rarely; read at start-up and cached in memory.
 * Every write resolves once durable; one that fails for lack of space rejects
 * with a StorageFullError (STORAGE_FULL) and wrote nothing.
 */
export class ControlStore {
  private readonly root: RootDatabase;
  private readonly settings: Database<unknown, string>;
  private readonly programs: Database<Program, number>;
  /** Campaigns documents by version, as programs (docs/campaigns.md). */
  private readonly campaignSets: Database<CampaignSet, number>;
  /** Partners' own programs by (partner, version): docs/program.md, "Partners' own programs". */
  private readonly partnerPrograms: Database<PartnerProgramRecord, [string, number]>;
  private readonly partners: Database<PartnerRecord, string>;
  private readonly stores: Database<StoreRecord, string>;
  private readonly terminals: Database<TerminalRecord, string>;
  private readonly audit: Database<AuditRecord, number>;
  private readonly operators: Database<OperatorRecord, string>;
  /** Survey definitions by id (docs/surveys.md): admin data, read by the gateway only. */
  private readonly surveys: Database<Survey, string>;
  /** The webhook delivery journal: outcomes, attempts, totals (gateway/notifications/delivery-journal.ts). */
  private readonly deliveries: Database<unknown, DeliveryJournalKey>;
  private nextAuditSequence: number;
  private readonly path: string;

  constructor(options: { readonly path: string }) {
    this.path = options.path;
    this.root = open(lmdbEnvironmentOptions(options.path, LMDB_INITIAL_MAP_SIZE_BYTES));
    this.settings = this.root.openDB<unknown, string>({ name: "settings" });
    this.programs = this.root.openDB<Program, number>({ name: "programs" });
    this.campaignSets = this.root.openDB<CampaignSet, number>({ name: "campaigns" });
    this.partnerPrograms = this.root.openDB<PartnerProgramRecord, [string, number]>({ name: "partnerPrograms" });
    this.partners = this.root.openDB<PartnerRecord, string>({ name: "partners" });
    this.stores = this.root.openDB<StoreRecord, string>({ name: "stores" });
    this.terminals = this.root.openDB<TerminalRecord, string>({ name: "terminals" });
    this.audit = this.root.openDB<AuditRecord, number>({ name: "audit" });
    this.operators = this.root.openDB<OperatorRecord, string>({ name: "operators" });
    this.surveys = this.root.openDB<Survey, string>({ name: "surveys" });
    this.deliveries = this.root.openDB<unknown, DeliveryJournalKey>({ name: "deliveries" });
    let last = 0;
    for (const key of this.audit.getKeys({ reverse: true, limit: 1 })) last = key;
    this.nextAuditSequence = last + 1;
  }

  /** Appends an audit record; resolves once durable. */
  async appendAudit(entry: Omit<AuditRecord, "sequence">): Promise<AuditRecord> {
    const record: AuditRecord = { ...entry, sequence: this.nextAuditSequence };
    this.nextAuditSequence += 1;
    await this.durably(this.audit.put(record.sequence, record));
    return record;
  }

  /**
   * Audit records newest first below `before` that match `filter`, at most `limit`, reading at most
   * AUDIT_FILTER_SCAN_RECORDS_MAX records; `next` is where an older page starts (null: nothing older).
   */
  readAuditFiltered(before: number | null, limit: number, filter: AuditFilter): ControlPage<AuditRecord, number> {
    const items: AuditRecord[] = [];
    let scanned = 0;
    let lastScanned: number | null = null;
    const start = (before ?? Number.MAX_SAFE_INTEGER) - 1;
    for (const { value } of this.audit.getRange({ reverse: true, start, limit: AUDIT_FILTER_SCAN_RECORDS_MAX })) {
      scanned += 1;
      lastScanned = value.sequence;
      const kept = (filter.operator === undefined || value.operator === filter.operator) && (filter.action === undefined || value.action === filter.action);
      if (kept) items.push(value);
      if (items.length === limit) break;
    }
    const exhausted = scanned < AUDIT_FILTER_SCAN_RECORDS_MAX && items.length < limit;
    return { items, next: exhausted || lastScanned === null || lastScanned <= 1 ? null : lastScanned };
  }

  readOperator(name: string): OperatorRecord | undefined {
    return this.operators.get(name);
  }

  /** Operators in name order, after `after`, at most `limit`. */
  listOperators(after: string | null, limit: number): ControlPage<OperatorRecord, string> {
    const items: OperatorRecord[] = [];
    const range = after === null ? this.operators.getRange({}) : this.operators.getRange({ start: after });
    for (const { key, value } of range) {
      if (key === after) continue;
      items.push(value);
      if (items.length > limit) break;
    }
    return pageOf(items, limit, (item) => item.name);
  }

  /** Writes an operator and its audit record in one transaction, like a terminal. */
  async writeOperator(operator: OperatorRecord, audit: Omit<AuditRecord, "sequence">): Promise<AuditRecord> {
    const record: AuditRecord = { ...audit, sequence: this.nextAuditSequence };
    this.nextAuditSequence += 1;
    const committed = this.root.transaction(() => {
      void this.operators.put(operator.name, operator);
      void this.audit.put(record.sequence, record);
    });
    await this.durably(committed);
    return record;
  }

  readSurvey(id: string): Survey | undefined {
    return this.surveys.get(id);
  }

  /** Surveys in id order, at most `limit` (the caller bounds how many are stored). */
  listSurveys(limit: number): Survey[] {
    return [...this.surveys.getRange({ limit })].map(({ value }) => value);
  }

  /** Writes a survey and its audit record in one transaction, like an operator; resolves once durable. */
  async writeSurvey(survey: Survey, audit: Omit<AuditRecord, "sequence">): Promise<AuditRecord> {
    const record: AuditRecord = { ...audit, sequence: this.nextAuditSequence };
    this.nextAuditSequence += 1;
    const committed = this.root.transaction(() => {
      void this.surveys.put(survey.id, survey);
      void this.audit.put(record.sequence, record);
    });
    await this.durably(committed);
    return record;
  }

  readSetting<Value>(name: string): Value | undefined {
    return this.settings.get(name) as Value | undefined;
  }

  async writeSetting(name: string, value: unknown): Promise<void> {
    await this.durably(this.settings.put(name, value));
  }

  /** Every record of the webhook delivery journal, in key order (bounded by the journal's own limits). */
  readDeliveryJournal(): { key: DeliveryJournalKey; value: unknown }[] {
    return [...this.deliveries.getRange({})].map(({ key, value }) => ({ key, value }));
  }

  /** Puts and deletes journal records in one transaction; resolves once durable. */
  async writeDeliveryJournal(puts: readonly (readonly [DeliveryJournalKey, unknown])[], deletes: readonly DeliveryJournalKey[]): Promise<void> {
    await this.durably(
      this.deliveries.transaction(() => {
        for (const key of deletes) void this.deliveries.remove(key);
        for (const [key, value] of puts) void this.deliveries.put(key, value);
      }),
    );
  }

  readPlacement(): PlacementDocument | undefined {
    return this.readSetting<PlacementDocument>("placement");
  }

  currentProgram(): Program | undefined {
    for (const { value } of this.programs.getRange({ reverse: true, limit: 1 })) return value;
    return undefined;
  }

  /** One stored program version; undefined if no such version was stored. */
  readProgram(version: number): Program | undefined {
    return this.programs.get(version);
  }

  /** Stored program versions newest first, below `before` (from the newest when null), at most `limit`. */
  listPrograms(before: number | null, limit: number): ControlPage<Program, number> {
    const start = before === null ? Number.MAX_SAFE_INTEGER : before - 1;
    const items: Program[] = [];
    for (const { value } of this.programs.getRange({ reverse: true, start, limit: limit + 1 })) items.push(value);
    return pageOf(items, limit, (program) => program.version);
  }

  async appendProgram(program: Program): Promise<void> {
    await this.durably(this.programs.put(program.version, program));
  }

  /** The newest campaigns document; undefined before the first is stored. */
  currentCampaigns(): CampaignSet | undefined {
    for (const { value } of this.campaignSets.getRange({ reverse: true, limit: 1 })) return value;
    return undefined;
  }

  /** Stores a campaigns version (the next after the current one); resolves once durable. */
  async appendCampaigns(campaigns: CampaignSet): Promise<void> {
    await this.durably(this.campaignSets.put(campaigns.version, campaigns));
  }

  /** The newest version of a partner's program; undefined: the partner never had one. */
  currentPartnerProgram(partner: string): PartnerProgramRecord | undefined {
    for (const { value } of this.partnerPrograms.getRange({ reverse: true, start: [partner, Number.MAX_SAFE_INTEGER], end: [partner, 0], limit: 1 })) return value;
    return undefined;
  }

  readPartnerProgram(partner: string, version: number): PartnerProgramRecord | undefined {
    return this.partnerPrograms.get([partner, version]);
  }

  /** A partner's program versions newest first, below `before` (from the newest when null), at most `limit`. */
  listPartnerPrograms(partner: string, before: number | null, limit: number): ControlPage<PartnerProgramRecord, number> {
    const start: [string, number] = [partner, before === null ? Number.MAX_SAFE_INTEGER : before - 1];
    const items: PartnerProgramRecord[] = [];
    for (const { value } of this.partnerPrograms.getRange({ reverse: true, start, end: [partner, 0], limit: limit + 1 })) items.push(value);
    return pageOf(items, limit, (record) => record.version);
  }

  /**
   * The partners' own programs in force, in partner order: each partner's newest version, unless it
   * returned to the coalition program. Walks the keys of every stored version (decoding only the
   * newest of each partner): read at start-up and by the rare admin change.
   */
  partnerProgramsInForce(): PartnerProgramRecord[] {
    const newest = new Map<string, number>();
    for (const [partner, version] of this.partnerPrograms.getKeys({})) newest.set(partner, version);
    const records: PartnerProgramRecord[] = [];
    for (const [partner, version] of newest) {
      const record = this.partnerPrograms.get([partner, version]);
      if (record !== undefined && record.program !== null) records.push(record);
    }
    return records;
  }

  /** Stores a version of a partner's program and its audit record in one transaction; resolves once durable. */
  async appendPartnerProgram(record: PartnerProgramRecord, audit: Omit<AuditRecord, "sequence">): Promise<AuditRecord> {
    const entry: AuditRecord = { ...audit, sequence: this.nextAuditSequence };
    this.nextAuditSequence += 1;
    const committed = this.root.transaction(() => {
      void this.partnerPrograms.put([record.partner, record.version], record);
      void this.audit.put(entry.sequence, entry);
    });
    await this.durably(committed);
    return entry;
  }

  readPartner(id: string): PartnerRecord | undefined {
    return this.partners.get(id);
  }

  /** Partners in id order, after `after` (from the first when null), at most `limit`. */
  listPartners(after: string | null, limit: number): ControlPage<PartnerRecord, string> {
    return listAfter(this.partners, after, limit, () => true);
  }

  async writePartner(partner: PartnerRecord): Promise<void> {
    await this.durably(this.partners.put(partner.id, partner));
  }

  readStore(id: string): StoreRecord | undefined {
    return this.stores.get(id);
  }

  /** Stores in id order, after `after`, at most `limit`; only the partner's when `partner` is given. */
  listStores(after: string | null, limit: number, partner?: string): ControlPage<StoreRecord, string> {
    return listAfter(this.stores, after, limit, (store) => partner === undefined || store.partner === partner);
  }

  async writeStore(store: StoreRecord): Promise<void> {
    await this.durably(this.stores.put(store.id, store));
  }

  readTerminal(id: string): TerminalRecord | undefined {
    return this.terminals.get(id);
  }

  /**
   * Terminals in id order, after `after`, at most `limit`, only those of the
   * given store and partner when given. Records with their token hashes: the
   * admin API shows only a view without them.
   */
  listTerminals(after: string | null, limit: number, filter: { readonly store?: string; readonly partner?: string } = {}): ControlPage<TerminalRecord, string> {
    return listAfter(
      this.terminals,
      after,
      limit,
      (terminal) => (filter.store === undefined || terminal.store === filter.store) && (filter.partner === undefined || terminal.partner === filter.partner),
    );
  }

  allTerminals(): TerminalRecord[] {
    return [...this.terminals.getRange()].map(({ value }) => value);
  }

  /**
   * Writes a terminal and its audit record in one transaction: a terminal
   * whose new token was never shown (or whose revocation was never audited)
   * cannot be left behind by a failure between the two.
   */
  async writeTerminal(terminal: TerminalRecord, audit: Omit<AuditRecord, "sequence">): Promise<AuditRecord> {
    const record: AuditRecord = { ...audit, sequence: this.nextAuditSequence };
    this.nextAuditSequence += 1;
    const committed = this.root.transaction(() => {
      void this.terminals.put(terminal.id, terminal);
      void this.audit.put(record.sequence, record);
    });
    await this.durably(committed);
    return record;
  }

  private async durably(write: PromiseLike<unknown>): Promise<void> {
    await awaitLmdbWrite(this.path, write);
    await this.root.flushed;
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}

/**
 * Records of a string-keyed table in key order after `after`, keeping those
 * that `keep` accepts, at most `limit`. A filtered page walks past the
 * records it does not keep: the control tables are small (partners, stores
 * and lanes of one program), so a walk is cheap.
 */
function listAfter<Item extends { readonly id: string }>(
  table: Database<Item, string>,
  after: string | null,
  limit: number,
  keep: (item: Item) => boolean,
): ControlPage<Item, string> {
  const items: Item[] = [];
  const range = after === null ? table.getRange({}) : table.getRange({ start: after });
  for (const { key, value } of range) {
    if (key === after || !keep(value)) continue;
    items.push(value);
    if (items.length > limit) break;
  }
  return pageOf(items, limit, (item) => item.id);
}

/** `items` holds up to `limit + 1` entries: one more than the page means there is a next page. */
function pageOf<Item, Cursor>(items: Item[], limit: number, cursorOf: (item: Item) => Cursor): ControlPage<Item, Cursor> {
  if (items.length <= limit) return { items, next: null };
  const page = items.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page, next: last === undefined ? null : cursorOf(last) };
}
