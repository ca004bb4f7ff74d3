import { assert } from "../../../domain/assert/assert.js";
import { RecordReader, type RecordWriter } from "./record-writer.js";

/**
 * What a campaign has given in one logical shard (CampaignBudgetRecord): a
 * format byte, then the points as a varint; format 2 adds the discount given
 * under a discount budget (minor units). A record without discount is
 * written as format 1, byte for byte as before discount budgets.
 */
const CAMPAIGN_BUDGET_FORMAT = 1;
const CAMPAIGN_BUDGET_WITH_DISCOUNT_FORMAT = 2;

export function writeCampaignBudget(writer: RecordWriter, given: number, discount = 0): void {
  writer.byte(discount === 0 ? CAMPAIGN_BUDGET_FORMAT : CAMPAIGN_BUDGET_WITH_DISCOUNT_FORMAT);
  writer.uint(given);
  if (discount !== 0) writer.uint(discount);
}

/** The points and discount a campaign has given in the logical shard. */
export function readCampaignBudget(bytes: Uint8Array, what: string): { readonly points: number; readonly discount: number } {
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (format !== CAMPAIGN_BUDGET_FORMAT && format !== CAMPAIGN_BUDGET_WITH_DISCOUNT_FORMAT) assert(false, `${what}: format ${format} is known`);
  const points = reader.uint();
  const discount = format === CAMPAIGN_BUDGET_WITH_DISCOUNT_FORMAT ? reader.uint() : 0;
  assert(reader.done, `${what}: the record ends after its totals`);
  return { points, discount };
}
