import { BASIS_POINTS_PER_WHOLE } from "../money/basis-points.js";
import { ProgramValidationError, type ProgramProblem } from "../program/validate-program-document.js";
import type { InputObject } from "../validation/fields.js";
import type {
  Campaign,
  CampaignInstant,
  CampaignMechanic,
  CampaignsDefinition,
  Segment,
  SegmentCondition,
  SegmentFact,
} from "../../protocol/campaign-document.js";
import type { ProgramDefinition } from "../../protocol/program-document.js";
import { at, CollectingReader, field, isAbsent, isCalendarDate } from "./document-reader.js";
import { readTrigger } from "./validate-trigger.js";

/*
 * Limits of a campaigns document. docs/campaigns.md lists them with each field.
 */

/** Segments are named by hand in an admin screen; 64 is far beyond what marketers keep apart. */
export const SEGMENTS_MAX = 64;
/** Campaigns of every state in one document; a receipt looks only at the active ones in their period. */
export const CAMPAIGNS_MAX = 64;
/** Nesting of all/any/not: three levels express any real audience; 6 leaves room without deep recursion. */
export const SEGMENT_DEPTH_MAX = 6;
/** Conditions (every node, combinators included) in one segment: each is read per receipt of the campaign. */
export const SEGMENT_CONDITIONS_MAX = 64;
/** Ids in one status, class or card-type list: as many as the program may define of each (32). */
export const SEGMENT_ID_LIST_MAX = 32;
/** Mechanics of one campaign: "points and a discount" is the usual case; 8 is plenty. */
export const CAMPAIGN_MECHANICS_MAX = 8;
/** SKUs a mechanic names: a promotion's product list, not a catalogue (looked up in a set per line). */
export const CAMPAIGN_SKUS_MAX = 1_000;
/** A fixed reward of 10^9 points is ten million roubles at 1 kopeck a point, as the program's bonus limit. */
export const CAMPAIGN_FIXED_POINTS_MAX = 1_000_000_000;
/** "Every k-th purchase": as the program's bonus (BONUS_EVERY_PURCHASES_MAX). */
export const CAMPAIGN_EVERY_PURCHASES_MAX = 1_000;
/** Money, counts, days and balances a fact is compared with: 10^13 is above any of them and far below 2^53. */
export const SEGMENT_FACT_BOUND_MAX = 10_000_000_000_000;
/**
 * A campaign's points budget: 10^13 points, so a share of it times the 256
 * logical shards stays a safe integer (campaign-budgets.ts), far above any
 * campaign's reach.
 */
export const CAMPAIGN_BUDGET_POINTS_MAX = 10_000_000_000_000;
/** A campaign's discount budget, minor units: as the points budget (a share times 256 logical shards stays exact; 10^11 roubles). */
export const CAMPAIGN_BUDGET_DISCOUNT_MAX = 10_000_000_000_000;
/** A campaign's points lifetime: as the program's (DAYS_WITHOUT_VISIT_MAX, a hundred years). */
export const CAMPAIGN_POINTS_LIFETIME_DAYS_MAX = 36_500;
/** Epoch milliseconds of a campaign's start and end: up to the year 2286. */
export const CAMPAIGN_INSTANT_MAX_MILLISECONDS = 10_000_000_000_000;

export const SEGMENT_FACTS: readonly SegmentFact[] = [
  "daysSinceRegistration",
  "age",
  "birthMonth",
  "birthDay",
  "lifetimeSold",
  "lifetimePaid",
  "lifetimeVisits",
  "periodSold",
  "periodPaid",
  "periodVisits",
  "pointsBalance",
  "daysSinceLastVisit",
];
const CAMPAIGN_STATES = ["draft", "active", "paused", "ended"] as const;
const DOCUMENT_FIELDS = new Set(["segments", "campaigns", "version"]);
const SEGMENT_FIELDS = new Set(["id", "name", "when"]);
const CAMPAIGN_FIELDS = new Set(["id", "name", "start", "end", "state", "partner", "audience", "mechanics", "budgetPoints", "budgetDiscount", "pointsLifetimeDays", "couponOnly", "trigger"]);
const POINTS_FIELDS = new Set(["kind", "rateBasisPoints", "fixedPoints", "skus", "receiptTotalAtLeast", "everyPurchases"]);
const DISCOUNT_FIELDS = new Set(["kind", "basisPoints", "skus"]);
const CONDITION_SHAPES = ["fact", "status", "importanceClass", "cardType", "inCategory", "answeredSurvey", "all", "any", "not"] as const;

/** The program's ids a segment may name; null: no program yet, names are not checked. */
interface KnownIds {
  readonly status: ReadonlySet<string>;
  readonly importanceClass: ReadonlySet<string>;
  readonly cardType: ReadonlySet<string>;
  readonly category: ReadonlySet<string>;
}

function knownIdsOf(program: ProgramDefinition | null): KnownIds | null {
  if (program === null) return null;
  return {
    status: new Set((program.statuses?.levels ?? []).map((level) => level.id)),
    importanceClass: new Set((program.classes?.classes ?? []).map((entry) => entry.id)),
    cardType: new Set((program.cardTypes ?? []).map((cardType) => cardType.id)),
    category: new Set(program.categories.map((category) => category.id)),
  };
}

/**
 * Reads a campaigns document, collecting every problem with its path; throws
 * a ProgramValidationError (BAD_REQUEST with the problems) if there is any.
 * Segments may name only the ids the given program defines (when given).
 */
export function validateCampaignsDocument(input: unknown, program: ProgramDefinition | null): CampaignsDefinition {
  const reader = new CampaignReader(knownIdsOf(program));
  const definition = reader.document(input);
  throwIfProblems(reader.problems);
  return definition as CampaignsDefinition;
}

/** Reads one campaign (paths relative to it) whose audience must be one of `segmentIds`; a statusReached trigger must name a status of `program` when given. */
export function validateCampaign(input: unknown, segmentIds: ReadonlySet<string>, program: ProgramDefinition | null = null): Campaign {
  const reader = new CampaignReader(knownIdsOf(program));
  const campaign = reader.campaign(input, "", segmentIds);
  throwIfProblems(reader.problems);
  return campaign as Campaign;
}

/** Reads one segment condition on its own (a segment preview), at path `when`, against the ids the program defines. */
export function validateSegmentCondition(input: unknown, program: ProgramDefinition | null): SegmentCondition {
  const reader = new CampaignReader(knownIdsOf(program));
  const condition = reader.standaloneCondition(input, "when");
  throwIfProblems(reader.problems);
  return condition as SegmentCondition;
}

function throwIfProblems(problems: readonly ProgramProblem[]): void {
  if (problems.length > 0) throw new ProgramValidationError(problems);
}

class CampaignReader extends CollectingReader {
  private conditionsInSegment = 0;

  constructor(private readonly known: KnownIds | null) {
    super();
  }

  document(input: unknown): CampaignsDefinition | undefined {
    const document = this.object(input, "");
    if (document === undefined) return undefined;
    this.refuseUnknownFields(document, "", DOCUMENT_FIELDS);
    const segments = this.list(field(document, "segments"), "segments", 0, SEGMENTS_MAX, (item, path) => this.segment(item, path));
    this.refuseDuplicateIds(segments, "segments");
    const segmentIds = new Set((segments ?? []).map((segment) => segment.id));
    const campaigns = this.list(field(document, "campaigns"), "campaigns", 0, CAMPAIGNS_MAX, (item, path) => this.campaign(item, path, segmentIds));
    this.refuseDuplicateIds(campaigns, "campaigns");
    if (segments === undefined || campaigns === undefined) return undefined;
    return { segments, campaigns };
  }

  standaloneCondition(input: unknown, path: string): SegmentCondition | undefined {
    this.conditionsInSegment = 0;
    return this.condition(input, path, 1);
  }

  private segment(input: unknown, path: string): Segment | undefined {
    const segment = this.object(input, path);
    if (segment === undefined) return undefined;
    this.refuseUnknownFields(segment, path, SEGMENT_FIELDS);
    const id = this.id(field(segment, "id"), at(path, "id"));
    const name = this.name(field(segment, "name"), at(path, "name"));
    this.conditionsInSegment = 0;
    const when = this.condition(field(segment, "when"), at(path, "when"), 1);
    if (id === undefined || name === undefined || when === undefined) return undefined;
    return { id, name, when };
  }

  private condition(input: unknown, path: string, depth: number): SegmentCondition | undefined {
    this.conditionsInSegment += 1;
    if (this.conditionsInSegment === SEGMENT_CONDITIONS_MAX + 1) return this.problem(path, `a segment has at most ${SEGMENT_CONDITIONS_MAX} conditions`);
    if (this.conditionsInSegment > SEGMENT_CONDITIONS_MAX) return undefined;
    if (depth > SEGMENT_DEPTH_MAX) return this.problem(path, `conditions nest at most ${SEGMENT_DEPTH_MAX} deep`);
    const condition = this.object(input, path);
    if (condition === undefined) return undefined;
    const shapes = CONDITION_SHAPES.filter((shape) => Object.hasOwn(condition, shape));
    if (shapes.length !== 1) return this.problem(path, `must have exactly one of ${CONDITION_SHAPES.join(", ")}`);
    const shape = shapes[0] as (typeof CONDITION_SHAPES)[number];
    if (shape === "fact") return this.factCondition(condition, path);
    if (shape === "answeredSurvey") return this.surveyCondition(condition, path);
    this.refuseUnknownFields(condition, path, new Set([shape]));
    const value = field(condition, shape);
    const inner = at(path, shape);
    switch (shape) {
      case "status":
      case "importanceClass":
      case "cardType": {
        const ids = this.list(value, inner, 1, SEGMENT_ID_LIST_MAX, (item, itemPath) => this.knownId(item, itemPath, shape));
        return ids === undefined ? undefined : ({ [shape]: ids } as unknown as SegmentCondition);
      }
      case "inCategory": {
        const id = this.knownId(value, inner, "category");
        return id === undefined ? undefined : { inCategory: id };
      }
      case "all":
      case "any": {
        const parts = this.list(value, inner, 1, SEGMENT_CONDITIONS_MAX, (item, itemPath) => this.condition(item, itemPath, depth + 1));
        return parts === undefined ? undefined : ({ [shape]: parts } as unknown as SegmentCondition);
      }
      case "not": {
        const part = this.condition(value, inner, depth + 1);
        return part === undefined ? undefined : { not: part };
      }
    }
  }

  /** `{ answeredSurvey, question?, option? }`: the survey is not looked up (surveys are the gateway's; one not answered holds for nobody). */
  private surveyCondition(condition: InputObject, path: string): SegmentCondition | undefined {
    this.refuseUnknownFields(condition, path, new Set(["answeredSurvey", "question", "option"]));
    const answeredSurvey = this.id(field(condition, "answeredSurvey"), at(path, "answeredSurvey"));
    const questionValue = field(condition, "question");
    const question = isAbsent(questionValue) ? null : this.id(questionValue, at(path, "question"));
    const option = this.nullableInteger(field(condition, "option"), at(path, "option"), 0, SEGMENT_FACT_BOUND_MAX);
    if (answeredSurvey === undefined || question === undefined || option === undefined) return undefined;
    if (option !== null && question === null) return this.problem(at(path, "option"), "needs question");
    return { answeredSurvey, question, option };
  }

  private factCondition(condition: InputObject, path: string): SegmentCondition | undefined {
    this.refuseUnknownFields(condition, path, new Set(["fact", "atLeast", "atMost"]));
    const fact = this.oneOf(field(condition, "fact"), at(path, "fact"), SEGMENT_FACTS);
    const atLeast = this.nullableInteger(field(condition, "atLeast"), at(path, "atLeast"), 0, SEGMENT_FACT_BOUND_MAX);
    const atMost = this.nullableInteger(field(condition, "atMost"), at(path, "atMost"), 0, SEGMENT_FACT_BOUND_MAX);
    if (fact === undefined || atLeast === undefined || atMost === undefined) return undefined;
    if (atLeast === null && atMost === null) return this.problem(path, "needs atLeast, atMost or both");
    if (atLeast !== null && atMost !== null && atLeast > atMost) return this.problem(at(path, "atMost"), `must be at least atLeast (${atLeast})`);
    return { fact, atLeast, atMost };
  }

  private knownId(value: unknown, path: string, kind: keyof KnownIds): string | undefined {
    const id = this.id(value, path);
    if (id === undefined || this.known === null) return id;
    if (!this.known[kind].has(id)) return this.problem(path, `must name a ${kind} the program defines; "${id}" is not one`);
    return id;
  }

  campaign(input: unknown, path: string, segmentIds: ReadonlySet<string>): Campaign | undefined {
    const campaign = this.object(input, path);
    if (campaign === undefined) return undefined;
    this.refuseUnknownFields(campaign, path, CAMPAIGN_FIELDS);
    const id = this.id(field(campaign, "id"), at(path, "id"));
    const name = this.name(field(campaign, "name"), at(path, "name"));
    const start = this.instant(field(campaign, "start"), at(path, "start"));
    const end = this.instant(field(campaign, "end"), at(path, "end"));
    if (typeof start === typeof end && start !== undefined && end !== undefined && start >= end) {
      this.problem(at(path, "end"), "must be after start");
    }
    const state = isAbsent(field(campaign, "state")) ? "draft" : this.oneOf(field(campaign, "state"), at(path, "state"), CAMPAIGN_STATES);
    const partnerValue = field(campaign, "partner");
    // "" is how a campaign without a partner is stored: a stored document read again keeps it.
    const partner = isAbsent(partnerValue) || partnerValue === "" ? "" : this.id(partnerValue, at(path, "partner"));
    const audience = this.audience(field(campaign, "audience"), at(path, "audience"), segmentIds);
    const triggerValue = field(campaign, "trigger");
    const trigger = isAbsent(triggerValue) ? null : readTrigger(this, triggerValue, at(path, "trigger"), this.known?.status ?? null);
    // A campaign with a trigger needs no receipt mechanic: it may give points on its event alone.
    const mechanicsMin = isAbsent(triggerValue) ? 1 : 0;
    const mechanics = this.list(field(campaign, "mechanics"), at(path, "mechanics"), mechanicsMin, CAMPAIGN_MECHANICS_MAX, (item, itemPath) => this.mechanic(item, itemPath));
    if (trigger?.date !== undefined && typeof start === "string" && typeof end === "string" && (trigger.date < start || trigger.date > end)) {
      this.problem(at(at(path, "trigger"), "date"), `must be within the campaign's period (${start} to ${end})`);
    }
    if (id === undefined || name === undefined || start === undefined || end === undefined || state === undefined) return undefined;
    const budgetValue = field(campaign, "budgetPoints");
    const budgetPoints = isAbsent(budgetValue) ? null : this.integer(budgetValue, at(path, "budgetPoints"), 1, CAMPAIGN_BUDGET_POINTS_MAX);
    const discountBudgetValue = field(campaign, "budgetDiscount");
    const budgetDiscount = isAbsent(discountBudgetValue) ? null : this.integer(discountBudgetValue, at(path, "budgetDiscount"), 1, CAMPAIGN_BUDGET_DISCOUNT_MAX);
    const lifetimeValue = field(campaign, "pointsLifetimeDays");
    const pointsLifetimeDays = isAbsent(lifetimeValue) ? null : this.integer(lifetimeValue, at(path, "pointsLifetimeDays"), 1, CAMPAIGN_POINTS_LIFETIME_DAYS_MAX);
    const couponValue = field(campaign, "couponOnly");
    const couponOnly = isAbsent(couponValue) || couponValue === false ? false : couponValue === true ? true : this.problem(at(path, "couponOnly"), "must be true or false");
    if (partner === undefined || audience === undefined || mechanics === undefined || budgetPoints === undefined || pointsLifetimeDays === undefined) return undefined;
    if (couponOnly === undefined || budgetDiscount === undefined || trigger === undefined) return undefined;
    // No budget, no lifetime of its own: no key, so a document without them is stored and answered as before.
    return {
      id,
      name,
      start,
      end,
      state,
      partner,
      audience,
      mechanics,
      ...(budgetPoints === null ? {} : { budgetPoints }),
      ...(budgetDiscount === null ? {} : { budgetDiscount }),
      ...(pointsLifetimeDays === null ? {} : { pointsLifetimeDays }),
      ...(couponOnly ? { couponOnly } : {}),
      ...(trigger === null ? {} : { trigger }),
    };
  }

  private instant(value: unknown, path: string): CampaignInstant | undefined {
    if (typeof value === "string") return isCalendarDate(value) ? value : this.problem(path, "must be a date YYYY-MM-DD or epoch milliseconds");
    return this.integer(value, path, 0, CAMPAIGN_INSTANT_MAX_MILLISECONDS);
  }

  private audience(value: unknown, path: string, segmentIds: ReadonlySet<string>): string | null | undefined {
    if (isAbsent(value)) return null;
    const id = this.id(value, path);
    if (id !== undefined && !segmentIds.has(id)) return this.problem(path, `must name a segment of the document; "${id}" is not one`);
    return id;
  }

  private mechanic(input: unknown, path: string): CampaignMechanic | undefined {
    const mechanic = this.object(input, path);
    if (mechanic === undefined) return undefined;
    const kind = this.oneOf(field(mechanic, "kind"), at(path, "kind"), ["points", "discount"] as const);
    if (kind === undefined) return undefined;
    const skus = this.skus(field(mechanic, "skus"), at(path, "skus"), CAMPAIGN_SKUS_MAX);
    if (kind === "discount") {
      this.refuseUnknownFields(mechanic, path, DISCOUNT_FIELDS);
      const basisPoints = this.integer(field(mechanic, "basisPoints"), at(path, "basisPoints"), 1, BASIS_POINTS_PER_WHOLE);
      return basisPoints === undefined || skus === undefined ? undefined : { kind, basisPoints, skus };
    }
    this.refuseUnknownFields(mechanic, path, POINTS_FIELDS);
    const rateBasisPoints = this.nullableInteger(field(mechanic, "rateBasisPoints"), at(path, "rateBasisPoints"), 1, BASIS_POINTS_PER_WHOLE);
    const fixedPoints = this.nullableInteger(field(mechanic, "fixedPoints"), at(path, "fixedPoints"), 1, CAMPAIGN_FIXED_POINTS_MAX);
    const receiptTotalAtLeast = this.nullableInteger(field(mechanic, "receiptTotalAtLeast"), at(path, "receiptTotalAtLeast"), 0, SEGMENT_FACT_BOUND_MAX);
    const everyPurchases = this.nullableInteger(field(mechanic, "everyPurchases"), at(path, "everyPurchases"), 1, CAMPAIGN_EVERY_PURCHASES_MAX);
    if (rateBasisPoints === undefined || fixedPoints === undefined || receiptTotalAtLeast === undefined || everyPurchases === undefined || skus === undefined) {
      return undefined;
    }
    if ((rateBasisPoints === null) === (fixedPoints === null)) return this.problem(path, "needs exactly one of rateBasisPoints and fixedPoints");
    return { kind, rateBasisPoints, fixedPoints, skus, receiptTotalAtLeast, everyPurchases };
  }
}
