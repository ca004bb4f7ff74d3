import { describe, expect, it } from "vitest";
import { LoycoreError } from "../../protocol/errors/loycore-error.js";
import { caught } from "../test-support/caught.js";
import { itEach } from "../test-support/table-tests.js";
import type { ProgramDefinition } from "../../protocol/program-document.js";
import {
  BONUS_EVERY_PURCHASES_MAX,
  BONUS_POINTS_MAX,
  CATEGORIES_MAX,
  CATEGORY_RULES_MAX,
  CLASS_CRITERIA_MAX,
  CLASS_RANK_MAX,
  CLASSES_MAX,
  DAYS_WITHOUT_VISIT_MAX,
  DISCOUNT_RULES_MAX,
  MONEY_THRESHOLD_MAX_MINOR,
  POINT_VALUE_MINOR_MAX,
  PROGRAM_NAME_LENGTH_MAX,
  ProgramValidationError,
  ROLLING_PERIOD_DAYS_MAX,
  SKU_LIST_MAX,
  STATUS_LEVELS_MAX,
  VISITS_THRESHOLD_MAX,
  validateProgramDocument,
} from "./validate-program-document.js";
import type { ProgramProblem } from "./validate-program-document.js";

/** A document that uses every field, none at its default. */
const VALID = {
  name: "Family Club",
  timeZone: "Europe/Moscow",
  period: { kind: "month" },
  points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000, pointValueMinor: 2, accrualBase: "afterDiscount", pendingDays: 14, lifetimeDays: 365, returnPolicy: "refuse", holdMinutes: 30 },
  statuses: {
    counter: "sold",
    entryLevel: "bronze",
    levels: [
      { id: "bronze", name: "Bronze", threshold: 0, discountBasisPoints: 200, bonus: { everyPurchases: 5, points: 100 } },
      { id: "silver", name: "Silver", threshold: 1_000_000, discountBasisPoints: 500, accrualRateBasisPoints: 700 },
      { id: "gold", name: "Gold", threshold: 2_000_000, discountBasisPoints: 1_000, bonus: { everyPurchases: 5, points: 500 } },
    ],
  },
  discountRules: [
    { id: "sold-5000", counter: "sold", from: 500_000, discountBasisPoints: 500 },
    { id: "visits-3", counter: "visits", from: 3, discountBasisPoints: 500 },
  ],
  discountLapseAfterDaysWithoutVisit: 60,
  classes: {
    classes: [
      { id: "bronze", name: "Bronze", rank: 1, criteria: [{ counter: "sold", from: 2_000_000 }, { counter: "visits", from: 10 }], discountBasisPoints: 0 },
      { id: "gold", name: "Gold", rank: 3, criteria: [{ counter: "paid", from: 10_000_000 }], discountBasisPoints: 300 },
    ],
    lapseAfterDaysWithoutVisit: 180,
  },
  categories: [
    { id: "economy", name: "Economy", discountBasisPoints: 0 },
    { id: "vip", name: "VIP", discountBasisPoints: 700 },
    { id: "lost", name: "Lost", discountBasisPoints: 0 },
  ],
  categoryRules: [
    { id: "economy-sold-2000", action: "add", category: "economy", when: { counter: "sold", from: 200_000 } },
    { id: "lost-90-days", action: "add", category: "lost", when: { daysWithoutVisitMoreThan: 90 } },
    { id: "vip-came", action: "add", category: "vip", when: { visitStatus: "came" } },
    { id: "vip-gold", action: "add", category: "vip", when: { hasClass: "gold" } },
    { id: "economy-out-vip", action: "remove", category: "economy", when: { inCategory: "vip" } },
  ],
  discountPolicy: { kind: "sum", capBasisPoints: 1_500 },
  lines: { maxDiscountBasisPoints: 9_000, noDiscountSkus: ["TOBACCO-1"], noPointsSkus: ["GIFT-1", "GIFT-2"] },
  cardTypes: [
    { id: "standard", name: "Standard", discountBasisPoints: 0, extraAccrualBasisPoints: 0, mayPayWithPoints: true },
    { id: "vip", name: "VIP", discountBasisPoints: 700, extraAccrualBasisPoints: 200, mayPayWithPoints: true },
    { id: "gift", name: "Gift", discountBasisPoints: 0, extraAccrualBasisPoints: 0, mayPayWithPoints: false },
  ],
  coalition: { redemption: "pairs", pairs: [{ issuer: "bakery", redeemer: "cafe" }] },
  pointLevels: {
    levels: [
      { id: "silver-club", name: "Silver club", threshold: 1_000, validityDays: 365, pointsOnReach: 100 },
      { id: "gold-club", name: "Gold club", threshold: 5_000, validityDays: null, pointsOnReach: -5_000 },
    ],
  },
};

const MINIMAL = { name: "Minimal", points: { accrualRateBasisPoints: 100, maxRedeemShareBasisPoints: 3_000 } };

const MINIMAL_DEFINITION: ProgramDefinition = {
  name: "Minimal",
  timeZone: "UTC",
  period: { kind: "month" },
  points: { accrualRateBasisPoints: 100, maxRedeemShareBasisPoints: 3_000, pointValueMinor: 1, accrualBase: "paidWithMoney", pendingDays: 0, lifetimeDays: null, returnPolicy: "debt", holdMinutes: 15 },
  statuses: null,
  discountRules: [],
  discountLapseAfterDaysWithoutVisit: null,
  classes: null,
  categories: [],
  categoryRules: [],
  discountPolicy: { kind: "largest" },
  lines: { maxDiscountBasisPoints: 10_000, noDiscountSkus: [], noPointsSkus: [] },
  cardTypes: [],
  coalition: { redemption: "anywhere" },
  pointLevels: null,
};

type Json = Record<string, unknown>;

/** Marks a field to delete in `edited`. */
const ABSENT = Symbol("absent");

/** The path of a problem, as steps: `statuses.levels[1].threshold` -> statuses, levels, 1, threshold. */
function steps(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((match) => (match[2] === undefined ? String(match[1]) : Number(match[2])));
}

/** A copy of `source` with the value at each path replaced (or deleted, for ABSENT). */
function edited(source: unknown, edits: Readonly<Record<string, unknown>>): Json {
  const copy = structuredClone(source) as Json;
  for (const [path, value] of Object.entries(edits)) {
    const route = steps(path);
    const last = route.pop();
    let node = copy as Record<string | number, unknown>;
    for (const step of route) node = node[step] as Record<string | number, unknown>;
    if (last === undefined) throw new Error(`empty path ${path}`);
    if (value === ABSENT) delete node[last];
    else node[last] = value;
  }
  return copy;
}

function valueAt(source: unknown, path: string): unknown {
  let node = source;
  for (const step of steps(path)) node = (node as Record<string | number, unknown>)[step];
  return node;
}

function problemsOf(input: unknown): readonly ProgramProblem[] {
  const error = caught(() => validateProgramDocument(input));
  expect(error).toBeInstanceOf(ProgramValidationError);
  return (error as ProgramValidationError).problems;
}

function level(index: number): Json {
  return { id: `level-${index}`, name: `Level ${index}`, threshold: index * 100, discountBasisPoints: 0 };
}

function importanceClass(index: number): Json {
  return { id: `class-${index}`, name: `Class ${index}`, rank: index, criteria: [{ counter: "visits", from: index }] };
}

function category(index: number): Json {
  return { id: `category-${index}`, name: `Category ${index}` };
}

function isDeeplyFrozen(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeeplyFrozen);
}

const LONG_NAME = "n".repeat(PROGRAM_NAME_LENGTH_MAX);
const ID_OF_64 = `a.b_c-${"d".repeat(58)}`;

describe("validateProgramDocument", () => {
  it("returns a document that sets every field exactly as given", () => {
    expect(validateProgramDocument(VALID)).toEqual(VALID);
  });

  it("gives a minimal document every default", () => {
    expect(validateProgramDocument(MINIMAL)).toEqual(MINIMAL_DEFINITION);
  });

  it("treats null like an absent field wherever there is a default", () => {
    const withNulls = {
      ...MINIMAL,
      points: { ...MINIMAL.points, pointValueMinor: null },
      timeZone: null,
      period: null,
      statuses: null,
      discountRules: null,
      discountLapseAfterDaysWithoutVisit: null,
      classes: null,
      categories: null,
      categoryRules: null,
      discountPolicy: null,
      lines: null,
    };
    expect(validateProgramDocument(withNulls)).toEqual(MINIMAL_DEFINITION);
  });

  it("fills the defaults inside sections that are given but not complete", () => {
    const document = edited(VALID, {
      "classes.classes[1].discountBasisPoints": ABSENT,
      "classes.lapseAfterDaysWithoutVisit": ABSENT,
      "categories[1].discountBasisPoints": ABSENT,
      "lines.maxDiscountBasisPoints": ABSENT,
      "lines.noPointsSkus": ABSENT,
      "statuses.levels[0].bonus": null,
      "statuses.levels[1].accrualRateBasisPoints": null,
    });
    const definition = validateProgramDocument(document);
    expect(definition.classes?.classes[1]?.discountBasisPoints).toBe(0);
    expect(definition.classes?.lapseAfterDaysWithoutVisit).toBeNull();
    expect(definition.categories[1]?.discountBasisPoints).toBe(0);
    expect(definition.lines).toEqual({ maxDiscountBasisPoints: 10_000, noDiscountSkus: ["TOBACCO-1"], noPointsSkus: [] });
    expect(definition.statuses?.levels[0]).not.toHaveProperty("bonus");
    expect(definition.statuses?.levels[1]).not.toHaveProperty("accrualRateBasisPoints");
  });

  itEach<{ readonly name: string; readonly version: unknown }>([
    { name: "accepts a numeric version field and leaves it out of the definition", version: 17 },
    { name: "ignores a version field even when it is not a number", version: "latest" },
  ])(({ version }) => {
    const definition = validateProgramDocument({ ...MINIMAL, version });
    expect(definition).toEqual(MINIMAL_DEFINITION);
    expect(definition).not.toHaveProperty("version");
  });

  it("returns a deeply frozen definition that shares nothing with the input", () => {
    const input = structuredClone(VALID);
    const definition = validateProgramDocument(input);
    expect(isDeeplyFrozen(definition)).toBe(true);
    input.lines.noDiscountSkus.push("LATE-1");
    input.statuses.levels[0]!.discountBasisPoints = 9_999;
    expect(definition.lines.noDiscountSkus).toEqual(["TOBACCO-1"]);
    expect(definition.statuses?.levels[0]?.discountBasisPoints).toBe(200);
  });

  it("drops fields of the input that only look like known ones through the prototype", () => {
    const input = Object.assign(Object.create({ timeZone: "Mars/Base" }) as Json, MINIMAL);
    expect(validateProgramDocument(input).timeZone).toBe("UTC");
  });

  it("reports every problem of a document, in document order, with exact paths", () => {
    const document = edited(VALID, {
      colour: "red",
      name: "",
      timeZone: "Mars/Base",
      "period.kind": "week",
      "points.accrualRateBasisPoints": 2.5,
      "statuses.entryLevel": "platinum",
      "statuses.levels[1].threshold": 0,
      "statuses.levels[2].bonus.everyPurchases": 0,
      "discountRules[1].id": "sold-5000",
      "classes.classes[1].rank": 1,
      "categoryRules[3].when": { hasClass: "silver" },
      "categoryRules[4].when.inCategory": "standard",
      "discountPolicy.capBasisPoints": 10_001,
      "lines.noDiscountSkus[0]": "TOBACCO 1",
    });
    const expected: ProgramProblem[] = [
      { path: "colour", message: "is not a known field" },
      { path: "name", message: "must not be empty" },
      { path: "timeZone", message: 'must be an IANA time zone such as "Europe/Moscow"; "Mars/Base" is not one' },
      { path: "period.kind", message: 'must be one of "month", "quarter", "year", "rollingDays"' },
      { path: "points.accrualRateBasisPoints", message: "must be an integer" },
      { path: "statuses.levels[2].bonus.everyPurchases", message: "must be at least 1" },
      {
        path: "statuses.levels[1].threshold",
        message: "must be greater than statuses.levels[0].threshold (0): levels go from lowest to highest",
      },
      { path: "statuses.entryLevel", message: 'must name a level in statuses.levels; "platinum" is not one' },
      { path: "discountRules[1].id", message: 'duplicates discountRules[0].id ("sold-5000")' },
      { path: "classes.classes[1].rank", message: "duplicates classes.classes[0].rank (1)" },
      { path: "categoryRules[3].when.hasClass", message: 'must name a class in classes.classes; "silver" is not one' },
      { path: "categoryRules[4].when.inCategory", message: 'must name a category in categories; "standard" is not one' },
      { path: "discountPolicy.capBasisPoints", message: "must be at most 10000" },
      { path: "lines.noDiscountSkus[0]", message: "must be 1 to 64 printable ASCII characters (0x21-0x7e)" },
    ];
    const error = caught(() => validateProgramDocument(document));
    expect(error).toBeInstanceOf(ProgramValidationError);
    expect(error).toBeInstanceOf(LoycoreError);
    const refused = error as ProgramValidationError;
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.name).toBe("ProgramValidationError");
    expect(refused.problems).toEqual(expected);
    expect(refused.message).toBe(expected.map((problem) => `${problem.path}: ${problem.message}`).join("; "));
  });

  it("reports a list over its limit once, without reading its items", () => {
    const skus = Array.from({ length: SKU_LIST_MAX + 1 }, () => "bad sku");
    expect(problemsOf({ ...MINIMAL, lines: { noPointsSkus: skus } })).toEqual([
      { path: "lines.noPointsSkus", message: `must have at most ${SKU_LIST_MAX} items` },
    ]);
  });

  it("does not report the order of thresholds around one that is refused on its own", () => {
    const document = edited(VALID, { "statuses.levels[1].threshold": -5 });
    expect(problemsOf(document)).toEqual([{ path: "statuses.levels[1].threshold", message: "must be at least 0" }]);
  });

  it("does not report references into a list that is itself unreadable", () => {
    const document = edited(VALID, { categories: "economy, vip", classes: { classes: "gold" } });
    expect(problemsOf(document)).toEqual([
      { path: "classes.classes", message: "must be an array" },
      { path: "categories", message: "must be an array" },
    ]);
  });

  describe("accepts", () => {
    interface AcceptedCase {
      readonly name: string;
      readonly edits: Readonly<Record<string, unknown>>;
      /** Where to look in the definition; the first edit's path when absent. */
      readonly path?: string;
      readonly expected: unknown;
    }

    itEach<AcceptedCase>([
      {
        name: "gives a card type with only an id and a name no effects, paying with points allowed",
        edits: { cardTypes: [{ id: "plain", name: "Plain" }] },
        expected: [{ id: "plain", name: "Plain", discountBasisPoints: 0, extraAccrualBasisPoints: 0, mayPayWithPoints: true }],
      },
      { name: "accepts quarterly periods", edits: { period: { kind: "quarter" } }, path: "period", expected: { kind: "quarter" } },
      { name: "accepts yearly periods", edits: { period: { kind: "year" } }, path: "period", expected: { kind: "year" } },
      {
        name: "accepts rolling periods of 1 day on the leap day of 2024",
        edits: { period: { kind: "rollingDays", days: 1, anchorDate: "2024-02-29" } },
        path: "period",
        expected: { kind: "rollingDays", days: 1, anchorDate: "2024-02-29" },
      },
      {
        name: "accepts rolling periods of ROLLING_PERIOD_DAYS_MAX days on 29 February 2000, a leap century",
        edits: { period: { kind: "rollingDays", days: ROLLING_PERIOD_DAYS_MAX, anchorDate: "2000-02-29" } },
        path: "period",
        expected: { kind: "rollingDays", days: ROLLING_PERIOD_DAYS_MAX, anchorDate: "2000-02-29" },
      },
      { name: "accepts the time zone UTC", edits: { timeZone: "UTC" }, expected: "UTC" },
      { name: "accepts an Etc/GMT time zone", edits: { timeZone: "Etc/GMT-3" }, expected: "Etc/GMT-3" },
      { name: "accepts a program name of exactly 200 characters", edits: { name: LONG_NAME }, expected: LONG_NAME },
      { name: "accepts a Cyrillic name", edits: { "categories[0].name": "Эконом" }, expected: "Эконом" },
      { name: "accepts an id of 64 characters with dots, dashes and underscores", edits: { "discountRules[0].id": ID_OF_64 }, expected: ID_OF_64 },
      { name: "accepts rates of 0 basis points", edits: { "points.accrualRateBasisPoints": 0 }, expected: 0 },
      { name: "accepts rates of 10,000 basis points", edits: { "points.maxRedeemShareBasisPoints": 10_000 }, expected: 10_000 },
      { name: "turns a negative zero into zero", edits: { "points.accrualRateBasisPoints": -0 }, expected: 0 },
      { name: "accepts a point value of POINT_VALUE_MINOR_MAX", edits: { "points.pointValueMinor": POINT_VALUE_MINOR_MAX }, expected: POINT_VALUE_MINOR_MAX },
      { name: "accepts a status threshold of MONEY_THRESHOLD_MAX_MINOR", edits: { "statuses.levels[2].threshold": MONEY_THRESHOLD_MAX_MINOR }, expected: MONEY_THRESHOLD_MAX_MINOR },
      { name: "accepts the paid counter for statuses", edits: { "statuses.counter": "paid" }, expected: "paid" },
      { name: "accepts a bonus every purchase", edits: { "statuses.levels[0].bonus.everyPurchases": 1 }, expected: 1 },
      {
        name: "accepts a bonus every BONUS_EVERY_PURCHASES_MAX purchases",
        edits: { "statuses.levels[0].bonus.everyPurchases": BONUS_EVERY_PURCHASES_MAX },
        expected: BONUS_EVERY_PURCHASES_MAX,
      },
      { name: "accepts a bonus of 0 points", edits: { "statuses.levels[0].bonus.points": 0 }, expected: 0 },
      { name: "accepts a bonus of BONUS_POINTS_MAX points", edits: { "statuses.levels[0].bonus.points": BONUS_POINTS_MAX }, expected: BONUS_POINTS_MAX },
      {
        name: "accepts STATUS_LEVELS_MAX levels",
        edits: { "statuses.levels": Array.from({ length: STATUS_LEVELS_MAX }, (_, index) => level(index)), "statuses.entryLevel": "level-0" },
        path: "statuses.levels.length",
        expected: STATUS_LEVELS_MAX,
      },
      { name: "accepts a money rule from 0", edits: { "discountRules[0].from": 0 }, expected: 0 },
      { name: "accepts a money rule from MONEY_THRESHOLD_MAX_MINOR", edits: { "discountRules[0].from": MONEY_THRESHOLD_MAX_MINOR }, expected: MONEY_THRESHOLD_MAX_MINOR },
      { name: "accepts a visits rule from VISITS_THRESHOLD_MAX", edits: { "discountRules[1].from": VISITS_THRESHOLD_MAX }, expected: VISITS_THRESHOLD_MAX },
      {
        name: "accepts DISCOUNT_RULES_MAX discount rules",
        edits: {
          discountRules: Array.from({ length: DISCOUNT_RULES_MAX }, (_, index) => ({ id: `rule-${index}`, counter: "paid", from: index, discountBasisPoints: 1 })),
        },
        path: "discountRules.length",
        expected: DISCOUNT_RULES_MAX,
      },
      { name: "accepts a discount lapse of 1 day", edits: { discountLapseAfterDaysWithoutVisit: 1 }, expected: 1 },
      { name: "accepts a discount lapse of DAYS_WITHOUT_VISIT_MAX days", edits: { discountLapseAfterDaysWithoutVisit: DAYS_WITHOUT_VISIT_MAX }, expected: DAYS_WITHOUT_VISIT_MAX },
      {
        name: "accepts CLASSES_MAX classes with ranks 0 to CLASSES_MAX - 1",
        edits: { classes: { classes: Array.from({ length: CLASSES_MAX }, (_, index) => importanceClass(index)) }, categoryRules: [] },
        path: "classes.classes.length",
        expected: CLASSES_MAX,
      },
      { name: "accepts a class rank of CLASS_RANK_MAX", edits: { "classes.classes[1].rank": CLASS_RANK_MAX }, expected: CLASS_RANK_MAX },
      {
        name: "accepts CLASS_CRITERIA_MAX criteria",
        edits: { "classes.classes[0].criteria": Array.from({ length: CLASS_CRITERIA_MAX }, (_, index) => ({ counter: "visits", from: index })) },
        path: "classes.classes[0].criteria.length",
        expected: CLASS_CRITERIA_MAX,
      },
      {
        name: "accepts CATEGORIES_MAX categories",
        edits: { categories: Array.from({ length: CATEGORIES_MAX }, (_, index) => category(index)), categoryRules: [] },
        path: "categories.length",
        expected: CATEGORIES_MAX,
      },
      {
        name: "accepts CATEGORY_RULES_MAX category rules",
        edits: {
          categoryRules: Array.from({ length: CATEGORY_RULES_MAX }, (_, index) => ({
            id: `rule-${index}`,
            action: index % 2 === 0 ? "add" : "remove",
            category: "vip",
            when: { daysWithoutVisitMoreThan: index + 1 },
          })),
        },
        path: "categoryRules.length",
        expected: CATEGORY_RULES_MAX,
      },
      { name: "accepts the visit status didNotCome", edits: { "categoryRules[2].when.visitStatus": "didNotCome" }, expected: "didNotCome" },
      { name: "accepts a rule whose category is the one it tests", edits: { "categoryRules[4].when.inCategory": "economy" }, expected: "economy" },
      { name: "accepts the largest discount policy", edits: { discountPolicy: { kind: "largest" } }, path: "discountPolicy", expected: { kind: "largest" } },
      { name: "accepts a sum policy capped at 0", edits: { "discountPolicy.capBasisPoints": 0 }, expected: 0 },
      { name: "accepts a sum policy capped at 10,000", edits: { "discountPolicy.capBasisPoints": 10_000 }, expected: 10_000 },
      {
        name: "accepts SKU_LIST_MAX SKUs of every printable ASCII character",
        edits: { "lines.noDiscountSkus": Array.from({ length: SKU_LIST_MAX }, (_, index) => String.fromCharCode(0x21 + (index % 94)).repeat(64)) },
        path: "lines.noDiscountSkus.length",
        expected: SKU_LIST_MAX,
      },
      { name: "accepts the same SKU in both lists", edits: { "lines.noPointsSkus": ["TOBACCO-1"] }, expected: ["TOBACCO-1"] },
    ])(({ edits, path, expected }) => {
      const definition = validateProgramDocument(edited(VALID, edits));
      expect(valueAt(definition, path ?? Object.keys(edits)[0] ?? "")).toEqual(expected);
    });
  });

  describe("refuses", () => {
    interface RefusedCase {
      readonly name: string;
      /** Edits to VALID; or `input` for a whole document. */
      readonly edits?: Readonly<Record<string, unknown>>;
      readonly input?: unknown;
      /** The problem's path: the first edit's path when absent. */
      readonly path?: string;
      readonly message: string;
    }

    const thirtyThreeLevels = Array.from({ length: STATUS_LEVELS_MAX + 1 }, (_, index) => level(index));

    itEach<RefusedCase>([
      // The document.
      { name: "refuses null as the document", input: null, path: "$", message: "must be an object" },
      { name: "refuses an array as the document", input: [MINIMAL], path: "$", message: "must be an object" },
      { name: "refuses a string as the document", input: "Family Club", path: "$", message: "must be an object" },
      { name: "refuses an unknown top-level field by its name", edits: { accrualRate: 500 }, message: "is not a known field" },
      { name: "refuses an unknown nested field by its path", edits: { "statuses.levels[1].colour": "grey" }, message: "is not a known field" },
      { name: "quotes an unknown field whose name is not a plain key", input: { ...MINIMAL, lines: { "no discount": [] } }, path: 'lines["no discount"]', message: "is not a known field" },

      // pointLevels.
      { name: "refuses point levels whose thresholds do not increase", edits: { "pointLevels.levels[1].threshold": 1_000, "pointLevels.levels[1].pointsOnReach": 0 }, message: "must be greater than pointLevels.levels[0].threshold (1000): levels go from lowest to highest" },
      { name: "refuses a debit on reaching a level larger than its threshold", edits: { "pointLevels.levels[1].pointsOnReach": -5_001 }, message: "must be at least -5000" },
      { name: "refuses a point level threshold of 0", edits: { "pointLevels.levels[0].threshold": 0 }, message: "must be at least 1" },
      { name: "refuses point levels without any level", edits: { "pointLevels.levels": [] }, message: "must have at least 1 item" },

      // coalition.
      { name: "refuses an unknown redemption policy", edits: { "coalition.redemption": "nowhere" }, message: 'must be one of "anywhere", "issuerOnly", "pairs"' },
      { name: "refuses pairs with another redemption than pairs", input: { ...MINIMAL, coalition: { redemption: "anywhere", pairs: [] } }, path: "coalition.pairs", message: 'is only for redemption "pairs"' },
      { name: "refuses redemption pairs without any pair", edits: { "coalition.pairs": [] }, message: "must have at least 1 item" },
      { name: "refuses a pair's issuer that is no partner id", edits: { "coalition.pairs[0].issuer": "a b" }, message: "must be a partner id: 1 to 64 printable ASCII characters" },

      // cardTypes.
      { name: "refuses two card types with one id", edits: { "cardTypes[1].id": "standard" }, path: "cardTypes[1].id", message: 'duplicates cardTypes[0].id ("standard")' },
      { name: "refuses a card type's discount over 100 %", edits: { "cardTypes[1].discountBasisPoints": 10_001 }, message: "must be at most 10000" },
      { name: "refuses a card type's mayPayWithPoints that is not a boolean", edits: { "cardTypes[2].mayPayWithPoints": "no" }, message: "must be true or false" },
      { name: "refuses an unknown field of a card type", edits: { "cardTypes[0].colour": "gold" }, message: "is not a known field" },
      { name: "refuses more than CARD_TYPES_MAX card types", edits: { cardTypes: Array.from({ length: 33 }, (_, index) => ({ id: `t${index}`, name: "T" })) }, message: "must have at most 32 items" },

      // name and timeZone.
      { name: "refuses a missing name", edits: { name: ABSENT }, message: "is required" },
      { name: "refuses a numeric name", edits: { name: 7 }, message: "must be a string" },
      { name: "refuses a name of 201 characters", edits: { name: `${LONG_NAME}n` }, message: "must be at most 200 characters" },
      { name: "refuses an unknown time zone", edits: { timeZone: "Europe/Atlantis" }, message: 'must be an IANA time zone such as "Europe/Moscow"; "Europe/Atlantis" is not one' },
      { name: "refuses a UTC offset as a time zone", edits: { timeZone: "+03:00" }, message: 'must be an IANA time zone such as "Europe/Moscow"; "+03:00" is not one' },
      { name: "refuses a numeric time zone", edits: { timeZone: 3 }, message: "must be a string" },
      { name: "refuses a time zone of 65 characters", edits: { timeZone: "z".repeat(65) }, message: "must be at most 64 characters" },

      // period.
      { name: "refuses a period given as a string", edits: { period: "month" }, message: "must be an object" },
      { name: "refuses an unknown period kind", edits: { "period.kind": "week" }, message: 'must be one of "month", "quarter", "year", "rollingDays"' },
      { name: "refuses a period without a kind", edits: { period: {} }, path: "period.kind", message: "is required" },
      { name: "refuses days on a calendar period", edits: { "period.days": 7 }, message: "is not a known field" },
      { name: "refuses rolling periods without days", edits: { period: { kind: "rollingDays", anchorDate: "2024-01-01" } }, path: "period.days", message: "is required" },
      { name: "refuses rolling periods of 0 days", edits: { period: { kind: "rollingDays", days: 0, anchorDate: "2024-01-01" } }, path: "period.days", message: "must be at least 1" },
      {
        name: "refuses rolling periods longer than ROLLING_PERIOD_DAYS_MAX days",
        edits: { period: { kind: "rollingDays", days: ROLLING_PERIOD_DAYS_MAX + 1, anchorDate: "2024-01-01" } },
        path: "period.days",
        message: `must be at most ${ROLLING_PERIOD_DAYS_MAX}`,
      },
      { name: "refuses rolling periods of a fractional number of days", edits: { period: { kind: "rollingDays", days: 7.5, anchorDate: "2024-01-01" } }, path: "period.days", message: "must be an integer" },
      { name: "refuses rolling periods without an anchor date", edits: { period: { kind: "rollingDays", days: 7 } }, path: "period.anchorDate", message: "is required" },
      { name: "refuses 29 February of a year that is not leap", edits: { period: { kind: "rollingDays", days: 7, anchorDate: "2023-02-29" } }, path: "period.anchorDate", message: "must be a real date written YYYY-MM-DD" },
      { name: "refuses 29 February 1900, a century that is not leap", edits: { period: { kind: "rollingDays", days: 7, anchorDate: "1900-02-29" } }, path: "period.anchorDate", message: "must be a real date written YYYY-MM-DD" },
      { name: "refuses a thirteenth month", edits: { period: { kind: "rollingDays", days: 7, anchorDate: "2024-13-01" } }, path: "period.anchorDate", message: "must be a real date written YYYY-MM-DD" },
      { name: "refuses 31 April", edits: { period: { kind: "rollingDays", days: 7, anchorDate: "2024-04-31" } }, path: "period.anchorDate", message: "must be a real date written YYYY-MM-DD" },
      { name: "refuses a date without leading zeros", edits: { period: { kind: "rollingDays", days: 7, anchorDate: "2024-1-5" } }, path: "period.anchorDate", message: "must be a real date written YYYY-MM-DD" },
      { name: "refuses a date with a time", edits: { period: { kind: "rollingDays", days: 7, anchorDate: "2024-01-05T00:00" } }, path: "period.anchorDate", message: "must be a real date written YYYY-MM-DD" },

      // points.
      { name: "refuses a document without points", edits: { points: ABSENT }, message: "is required" },
      { name: "refuses points given as a number", edits: { points: 500 }, message: "must be an object" },
      { name: "refuses a missing accrual rate", edits: { "points.accrualRateBasisPoints": ABSENT }, message: "is required" },
      { name: "refuses a negative accrual rate", edits: { "points.accrualRateBasisPoints": -1 }, message: "must be at least 0" },
      { name: "refuses an accrual rate above 100 %", edits: { "points.accrualRateBasisPoints": 10_001 }, message: "must be at most 10000" },
      { name: "refuses an accrual rate given as a string", edits: { "points.accrualRateBasisPoints": "500" }, message: "must be an integer" },
      { name: "refuses a missing redemption share", edits: { "points.maxRedeemShareBasisPoints": ABSENT }, message: "is required" },
      { name: "refuses a NaN redemption share", edits: { "points.maxRedeemShareBasisPoints": Number.NaN }, message: "must be an integer" },
      { name: "refuses an infinite redemption share", edits: { "points.maxRedeemShareBasisPoints": Number.POSITIVE_INFINITY }, message: "must be an integer" },
      { name: "refuses a pending window longer than PENDING_DAYS_MAX", edits: { "points.pendingDays": 366 }, message: "must be at most 365" },
      { name: "refuses a return policy that is neither debt nor refuse", edits: { "points.returnPolicy": "ignore" }, message: 'must be one of "debt", "refuse"' },
      { name: "refuses a hold of 0 minutes", edits: { "points.holdMinutes": 0 }, message: "must be at least 1" },
      { name: "refuses points that expire before they leave the pending window", edits: { "points.pendingDays": 30, "points.lifetimeDays": 30 }, path: "points.lifetimeDays", message: "must be more than points.pendingDays (30): points must be spendable before they expire" },
      { name: "refuses an accrual base that is not paidWithMoney or afterDiscount", edits: { "points.accrualBase": "billed" }, message: 'must be one of "paidWithMoney", "afterDiscount"' },
      { name: "refuses a point value of 0", edits: { "points.pointValueMinor": 0 }, message: "must be at least 1" },
      { name: "refuses a point value above POINT_VALUE_MINOR_MAX", edits: { "points.pointValueMinor": POINT_VALUE_MINOR_MAX + 1 }, message: `must be at most ${POINT_VALUE_MINOR_MAX}` },
      { name: "refuses a fractional point value", edits: { "points.pointValueMinor": 1.5 }, message: "must be an integer" },

      // statuses.
      { name: "refuses statuses given as a string", edits: { statuses: "gold" }, message: "must be an object or null" },
      { name: "refuses the visits counter for statuses", edits: { "statuses.counter": "visits" }, message: 'must be one of "sold", "paid"' },
      { name: "refuses statuses without a counter", edits: { "statuses.counter": ABSENT }, message: "is required" },
      { name: "refuses an entry level that is not the first, lowest level", edits: { "statuses.entryLevel": "silver" }, message: "must name the first (lowest) level of statuses.levels" },
      { name: "refuses an entry level that names no level", edits: { "statuses.entryLevel": "platinum" }, message: 'must name a level in statuses.levels; "platinum" is not one' },
      { name: "refuses an entry level that is not an id", edits: { "statuses.entryLevel": "top level" }, message: "must match /^[A-Za-z0-9_.-]{1,64}$/" },
      { name: "refuses statuses without levels", edits: { "statuses.levels": ABSENT }, message: "is required" },
      { name: "refuses an empty list of levels", edits: { "statuses.levels": [] }, message: "must have at least 1 item" },
      {
        name: "refuses more than STATUS_LEVELS_MAX levels",
        edits: { "statuses.levels": thirtyThreeLevels, "statuses.entryLevel": "level-0" },
        message: `must have at most ${STATUS_LEVELS_MAX} items`,
      },
      { name: "refuses a level given as a string", edits: { "statuses.levels[1]": "silver" }, message: "must be an object" },
      { name: "refuses a level id with a space", edits: { "statuses.levels[1].id": "sil ver" }, message: "must match /^[A-Za-z0-9_.-]{1,64}$/" },
      { name: "refuses a level id with a colon", edits: { "statuses.levels[1].id": "status:silver" }, message: "must match /^[A-Za-z0-9_.-]{1,64}$/" },
      { name: "refuses a level id of 65 characters", edits: { "statuses.levels[1].id": `${ID_OF_64}e` }, message: "must be at most 64 characters" },
      { name: "refuses an empty level id", edits: { "statuses.levels[1].id": "" }, message: "must not be empty" },
      { name: "refuses a duplicate level id", edits: { "statuses.levels[2].id": "silver" }, message: 'duplicates statuses.levels[1].id ("silver")' },
      { name: "refuses a level without a name", edits: { "statuses.levels[1].name": ABSENT }, message: "is required" },
      { name: "refuses a level name of 201 characters", edits: { "statuses.levels[1].name": `${LONG_NAME}n` }, message: "must be at most 200 characters" },
      { name: "refuses a level without a threshold, the entry level included", edits: { "statuses.levels[0].threshold": ABSENT }, message: "is required" },
      { name: "refuses a negative threshold", edits: { "statuses.levels[0].threshold": -1 }, message: "must be at least 0" },
      { name: "refuses a threshold above MONEY_THRESHOLD_MAX_MINOR", edits: { "statuses.levels[2].threshold": MONEY_THRESHOLD_MAX_MINOR + 1 }, message: `must be at most ${MONEY_THRESHOLD_MAX_MINOR}` },
      { name: "refuses a fractional threshold", edits: { "statuses.levels[1].threshold": 1_000_000.5 }, message: "must be an integer" },
      {
        name: "refuses a threshold equal to the level before it",
        edits: { "statuses.levels[2].threshold": 1_000_000 },
        message: "must be greater than statuses.levels[1].threshold (1000000): levels go from lowest to highest",
      },
      {
        name: "refuses levels listed from highest to lowest",
        edits: { "statuses.levels[1].threshold": 3_000_000 },
        path: "statuses.levels[2].threshold",
        message: "must be greater than statuses.levels[1].threshold (3000000): levels go from lowest to highest",
      },
      {
        name: "refuses an entry level whose threshold is not below the next level's",
        edits: { "statuses.levels[0].threshold": 1_000_000 },
        path: "statuses.levels[1].threshold",
        message: "must be greater than statuses.levels[0].threshold (1000000): levels go from lowest to highest",
      },
      { name: "refuses a level without a discount", edits: { "statuses.levels[1].discountBasisPoints": ABSENT }, message: "is required" },
      { name: "refuses a level discount above 100 %", edits: { "statuses.levels[1].discountBasisPoints": 10_001 }, message: "must be at most 10000" },
      { name: "refuses a level accrual rate above 100 %", edits: { "statuses.levels[1].accrualRateBasisPoints": 10_001 }, message: "must be at most 10000" },
      { name: "refuses a bonus given as a number", edits: { "statuses.levels[0].bonus": 100 }, message: "must be an object or null" },
      { name: "refuses a bonus without points", edits: { "statuses.levels[0].bonus.points": ABSENT }, message: "is required" },
      { name: "refuses a bonus every 0 purchases", edits: { "statuses.levels[0].bonus.everyPurchases": 0 }, message: "must be at least 1" },
      {
        name: "refuses a bonus every more than BONUS_EVERY_PURCHASES_MAX purchases",
        edits: { "statuses.levels[0].bonus.everyPurchases": BONUS_EVERY_PURCHASES_MAX + 1 },
        message: `must be at most ${BONUS_EVERY_PURCHASES_MAX}`,
      },
      { name: "refuses a negative bonus", edits: { "statuses.levels[0].bonus.points": -100 }, message: "must be at least 0" },
      { name: "refuses a bonus above BONUS_POINTS_MAX", edits: { "statuses.levels[0].bonus.points": BONUS_POINTS_MAX + 1 }, message: `must be at most ${BONUS_POINTS_MAX}` },
      { name: "refuses an unknown bonus field", edits: { "statuses.levels[0].bonus.expiresInDays": 30 }, message: "is not a known field" },

      // discountRules and the discount lapse.
      { name: "refuses discount rules given as an object", edits: { discountRules: {} }, message: "must be an array" },
      {
        name: "refuses more than DISCOUNT_RULES_MAX discount rules",
        edits: { discountRules: Array.from({ length: DISCOUNT_RULES_MAX + 1 }, (_, index) => ({ id: `r${index}`, counter: "sold", from: 0, discountBasisPoints: 0 })) },
        message: `must have at most ${DISCOUNT_RULES_MAX} items`,
      },
      { name: "refuses a discount rule without an id", edits: { "discountRules[0].id": ABSENT }, message: "is required" },
      { name: "refuses a duplicate discount rule id", edits: { "discountRules[1].id": "sold-5000" }, message: 'duplicates discountRules[0].id ("sold-5000")' },
      { name: "refuses an unknown counter", edits: { "discountRules[0].counter": "spent" }, message: 'must be one of "sold", "paid", "visits"' },
      { name: "refuses a negative rule threshold", edits: { "discountRules[0].from": -1 }, message: "must be at least 0" },
      { name: "refuses a money rule from above MONEY_THRESHOLD_MAX_MINOR", edits: { "discountRules[0].from": MONEY_THRESHOLD_MAX_MINOR + 1 }, message: `must be at most ${MONEY_THRESHOLD_MAX_MINOR}` },
      { name: "refuses a visits rule from above VISITS_THRESHOLD_MAX", edits: { "discountRules[1].from": VISITS_THRESHOLD_MAX + 1 }, message: `must be at most ${VISITS_THRESHOLD_MAX}` },
      { name: "refuses a fractional number of visits", edits: { "discountRules[1].from": 2.5 }, message: "must be an integer" },
      { name: "refuses a rule discount above 100 %", edits: { "discountRules[0].discountBasisPoints": 10_001 }, message: "must be at most 10000" },
      { name: "refuses a rule without a discount", edits: { "discountRules[0].discountBasisPoints": ABSENT }, message: "is required" },
      { name: "refuses a discount lapse of 0 days", edits: { discountLapseAfterDaysWithoutVisit: 0 }, message: "must be at least 1" },
      { name: "refuses a discount lapse above DAYS_WITHOUT_VISIT_MAX days", edits: { discountLapseAfterDaysWithoutVisit: DAYS_WITHOUT_VISIT_MAX + 1 }, message: `must be at most ${DAYS_WITHOUT_VISIT_MAX}` },
      { name: "refuses a discount lapse given as a string", edits: { discountLapseAfterDaysWithoutVisit: "60" }, message: "must be an integer" },

      // classes.
      { name: "refuses classes given as an array", edits: { classes: [], categoryRules: [] }, path: "classes", message: "must be an object or null" },
      { name: "refuses a class system without classes", edits: { "classes.classes": ABSENT }, message: "is required" },
      { name: "refuses an empty list of classes", edits: { "classes.classes": [], categoryRules: [] }, path: "classes.classes", message: "must have at least 1 item" },
      {
        name: "refuses more than CLASSES_MAX classes",
        edits: { "classes.classes": Array.from({ length: CLASSES_MAX + 1 }, (_, index) => importanceClass(index)), categoryRules: [] },
        path: "classes.classes",
        message: `must have at most ${CLASSES_MAX} items`,
      },
      { name: "refuses a duplicate class id", edits: { "classes.classes[0].id": "gold" }, path: "classes.classes[1].id", message: 'duplicates classes.classes[0].id ("gold")' },
      { name: "refuses a duplicate class rank", edits: { "classes.classes[1].rank": 1 }, message: "duplicates classes.classes[0].rank (1)" },
      { name: "refuses a negative class rank", edits: { "classes.classes[1].rank": -1 }, message: "must be at least 0" },
      { name: "refuses a class rank above CLASS_RANK_MAX", edits: { "classes.classes[1].rank": CLASS_RANK_MAX + 1 }, message: `must be at most ${CLASS_RANK_MAX}` },
      { name: "refuses a fractional class rank", edits: { "classes.classes[1].rank": 1.5 }, message: "must be an integer" },
      { name: "refuses a class without a name", edits: { "classes.classes[1].name": "" }, message: "must not be empty" },
      { name: "refuses a class without criteria", edits: { "classes.classes[1].criteria": [] }, message: "must have at least 1 item" },
      {
        name: "refuses more than CLASS_CRITERIA_MAX criteria",
        edits: { "classes.classes[1].criteria": Array.from({ length: CLASS_CRITERIA_MAX + 1 }, () => ({ counter: "visits", from: 1 })) },
        message: `must have at most ${CLASS_CRITERIA_MAX} items`,
      },
      { name: "refuses a criterion with an unknown counter", edits: { "classes.classes[0].criteria[1].counter": "spent" }, message: 'must be one of "sold", "paid", "visits"' },
      { name: "refuses a criterion without a threshold", edits: { "classes.classes[0].criteria[1].from": ABSENT }, message: "is required" },
      { name: "refuses a criterion with a discount", edits: { "classes.classes[0].criteria[1].discountBasisPoints": 100 }, message: "is not a known field" },
      { name: "refuses a class discount above 100 %", edits: { "classes.classes[1].discountBasisPoints": 10_001 }, message: "must be at most 10000" },
      { name: "refuses a class lapse of 0 days", edits: { "classes.lapseAfterDaysWithoutVisit": 0 }, message: "must be at least 1" },
      { name: "refuses a class lapse above DAYS_WITHOUT_VISIT_MAX days", edits: { "classes.lapseAfterDaysWithoutVisit": DAYS_WITHOUT_VISIT_MAX + 1 }, message: `must be at most ${DAYS_WITHOUT_VISIT_MAX}` },

      // categories.
      {
        name: "refuses more than CATEGORIES_MAX categories",
        edits: { categories: Array.from({ length: CATEGORIES_MAX + 1 }, (_, index) => category(index)), categoryRules: [] },
        path: "categories",
        message: `must have at most ${CATEGORIES_MAX} items`,
      },
      { name: "refuses a duplicate category id", edits: { "categories[3]": { id: "vip", name: "VIP again" } }, path: "categories[3].id", message: 'duplicates categories[1].id ("vip")' },
      { name: "refuses a category without a name", edits: { "categories[2].name": ABSENT }, message: "is required" },
      { name: "refuses a negative category discount", edits: { "categories[1].discountBasisPoints": -1 }, message: "must be at least 0" },

      // categoryRules.
      {
        name: "refuses more than CATEGORY_RULES_MAX category rules",
        edits: {
          categoryRules: Array.from({ length: CATEGORY_RULES_MAX + 1 }, (_, index) => ({ id: `r${index}`, action: "add", category: "vip", when: { visitStatus: "came" } })),
        },
        message: `must have at most ${CATEGORY_RULES_MAX} items`,
      },
      { name: "refuses a duplicate category rule id", edits: { "categoryRules[3].id": "vip-came" }, message: 'duplicates categoryRules[2].id ("vip-came")' },
      { name: "refuses an unknown action", edits: { "categoryRules[0].action": "toggle" }, message: 'must be one of "add", "remove"' },
      { name: "refuses a rule for a category that is not defined", edits: { "categoryRules[0].category": "standard" }, message: 'must name a category in categories; "standard" is not one' },
      { name: "refuses a rule without a condition", edits: { "categoryRules[0].when": ABSENT }, message: "is required" },
      { name: "refuses a condition given as a string", edits: { "categoryRules[0].when": "always" }, message: "must be an object" },
      {
        name: "refuses an empty condition",
        edits: { "categoryRules[0].when": {} },
        message: "must be one condition: counter with from, daysWithoutVisitMoreThan, visitStatus, inCategory, hasClass",
      },
      {
        name: "refuses a condition of two shapes at once",
        edits: { "categoryRules[0].when.inCategory": "vip" },
        path: "categoryRules[0].when",
        message: "must be exactly one condition, found counter with from and inCategory",
      },
      { name: "refuses an unknown condition field", edits: { "categoryRules[1].when.daysWithoutVisit": 90 }, message: "is not a known field" },
      { name: "refuses a counter condition without a counter", edits: { "categoryRules[0].when.counter": ABSENT }, message: "is required" },
      { name: "refuses a counter condition without a threshold", edits: { "categoryRules[0].when.from": ABSENT }, message: "is required" },
      { name: "refuses a visits condition above VISITS_THRESHOLD_MAX", edits: { "categoryRules[0].when": { counter: "visits", from: VISITS_THRESHOLD_MAX + 1 } }, path: "categoryRules[0].when.from", message: `must be at most ${VISITS_THRESHOLD_MAX}` },
      { name: "refuses 0 days without a visit", edits: { "categoryRules[1].when.daysWithoutVisitMoreThan": 0 }, message: "must be at least 1" },
      { name: "refuses more than DAYS_WITHOUT_VISIT_MAX days without a visit", edits: { "categoryRules[1].when.daysWithoutVisitMoreThan": DAYS_WITHOUT_VISIT_MAX + 1 }, message: `must be at most ${DAYS_WITHOUT_VISIT_MAX}` },
      { name: "refuses an unknown visit status", edits: { "categoryRules[2].when.visitStatus": "noShow" }, message: 'must be one of "came", "didNotCome"' },
      { name: "refuses inCategory naming a category that is not defined", edits: { "categoryRules[4].when.inCategory": "standard" }, message: 'must name a category in categories; "standard" is not one' },
      { name: "refuses hasClass naming a class that is not defined", edits: { "categoryRules[3].when.hasClass": "silver" }, message: 'must name a class in classes.classes; "silver" is not one' },
      { name: "refuses hasClass when classes are not configured", edits: { classes: null }, path: "categoryRules[3].when.hasClass", message: "must name a class, but classes is not configured" },

      // discountPolicy.
      { name: "refuses an unknown discount policy", edits: { "discountPolicy.kind": "max" }, message: 'must be one of "largest", "sum"' },
      { name: "refuses a sum policy without a cap", edits: { "discountPolicy.capBasisPoints": ABSENT }, message: "is required" },
      { name: "refuses a sum policy capped above 100 %", edits: { "discountPolicy.capBasisPoints": 10_001 }, message: "must be at most 10000" },
      { name: "refuses a cap on the largest policy", edits: { discountPolicy: { kind: "largest", capBasisPoints: 1_000 } }, path: "discountPolicy.capBasisPoints", message: "is not a known field" },

      // lines.
      { name: "refuses a line discount share above 100 %", edits: { "lines.maxDiscountBasisPoints": 10_001 }, message: "must be at most 10000" },
      { name: "refuses a SKU list given as a string", edits: { "lines.noDiscountSkus": "TOBACCO-1" }, message: "must be an array" },
      {
        name: "refuses more than SKU_LIST_MAX SKUs",
        edits: { "lines.noDiscountSkus": Array.from({ length: SKU_LIST_MAX + 1 }, (_, index) => `SKU-${index}`) },
        message: `must have at most ${SKU_LIST_MAX} items`,
      },
      { name: "refuses an empty SKU", edits: { "lines.noPointsSkus[1]": "" }, message: "must be 1 to 64 printable ASCII characters (0x21-0x7e)" },
      { name: "refuses a SKU of 65 characters", edits: { "lines.noPointsSkus[1]": "s".repeat(65) }, message: "must be 1 to 64 printable ASCII characters (0x21-0x7e)" },
      { name: "refuses a SKU with a space", edits: { "lines.noPointsSkus[1]": "GIFT 2" }, message: "must be 1 to 64 printable ASCII characters (0x21-0x7e)" },
      { name: "refuses a SKU with a control character", edits: { "lines.noPointsSkus[1]": "GIFT\u00002" }, message: "must be 1 to 64 printable ASCII characters (0x21-0x7e)" },
      { name: "refuses a SKU in Cyrillic", edits: { "lines.noPointsSkus[1]": "ТАБАК" }, message: "must be 1 to 64 printable ASCII characters (0x21-0x7e)" },
      { name: "refuses a numeric SKU", edits: { "lines.noPointsSkus[1]": 4_600_000 }, message: "must be 1 to 64 printable ASCII characters (0x21-0x7e)" },
    ])(({ edits, input, path, message }) => {
      const document = input === undefined ? edited(VALID, edits ?? {}) : input;
      const problemPath = path ?? Object.keys(edits ?? {})[0] ?? "";
      expect(problemsOf(document)).toEqual([{ path: problemPath, message }]);
    });
  });
});

describe("ProgramValidationError", () => {
  it("lists every problem in its message as path: message, joined by semicolons", () => {
    const error = new ProgramValidationError([
      { path: "name", message: "is required" },
      { path: "statuses.levels[1].threshold", message: "must be at least 0" },
    ]);
    expect(error.message).toBe("name: is required; statuses.levels[1].threshold: must be at least 0");
    expect(error.code).toBe("BAD_REQUEST");
  });

  it("keeps a frozen copy of the problems it was given", () => {
    const problems = [{ path: "name", message: "is required" }];
    const error = new ProgramValidationError(problems);
    problems.push({ path: "points", message: "is required" });
    expect(error.problems).toEqual([{ path: "name", message: "is required" }]);
    expect(Object.isFrozen(error.problems)).toBe(true);
  });
});
