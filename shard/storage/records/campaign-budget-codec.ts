import { assert } from "../../../domain/assert/assert.js";
import { RecordReader, type RecordWriter } from "./record-writer.js";

/** A campaign's points given in one logical shard (CampaignBudgetRecord): a format byte, then the total as a varint. */
const CAMPAIGN_BUDGET_FORMAT = 1;

export function writeCampaignBudget(writer: RecordWriter, given: number): void {
  writer.byte(CAMPAIGN_BUDGET_FORMAT);
  writer.uint(given);
}

export function readCampaignBudget(bytes: Uint8Array, what: string): number {
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (format !== CAMPAIGN_BUDGET_FORMAT) assert(false, `${what}: format ${format} is known`);
  const given = reader.uint();
  assert(reader.done, `${what}: the record ends after its total`);
  return given;
}
