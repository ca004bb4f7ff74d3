import { describe, expect, it } from "vitest";
import { openAccount } from "../../domain/account/account.js";
import { CompiledProgram } from "../../domain/engine/compiled-program.js";
import { partnerPricingProgram } from "../../domain/program/partner-program.js";
import { simpleProgram } from "../../domain/test-support/simple-program.js";
import { receiptAt, TEST_PROFILE } from "../../domain/test-support/loyalty-programs.js";
import type { ReceiptRecord } from "../storage/shard-store.js";
import { readReceiptRecord, writeReceiptRecord } from "../storage/records/receipt-record-codec.js";
import { RecordWriter } from "../storage/records/record-writer.js";
import { commitReceipt } from "./commit-receipt.js";

const AT = Date.UTC(2026, 2, 10, 12);
const COALITION = simpleProgram(4, 1_000);

function partnerProgram(version: number, rate: number): CompiledProgram {
  return new CompiledProgram(partnerPricingProgram(COALITION, { ...simpleProgram(version, rate), name: "Cafe" }, "cafe"), "cafe");
}

function commit(program: CompiledProgram, existing: ReceiptRecord | undefined) {
  const account = openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 10_000);
  return commitReceipt({ program, account, existing, receipt: receiptAt(AT, [10_000], "r-1"), redeem: 0, partner: "cafe", now: AT, events: false });
}

function storedRecord(result: ReturnType<typeof commit>): ReceiptRecord {
  if (result.kind !== "applied") throw new Error(`expected the commit to apply, got ${result.kind}`);
  const write = result.writes.find((each) => each.kind === "receipt");
  if (write?.kind !== "receipt") throw new Error("a commit writes its receipt record");
  return write.receipt;
}

function roundTrip(record: ReceiptRecord): { readonly record: ReceiptRecord; readonly bytes: number } {
  const writer = new RecordWriter();
  writeReceiptRecord(writer, record);
  const bytes = Buffer.from(writer.finish());
  return { record: readReceiptRecord(record, bytes), bytes: bytes.length };
}

describe("a commit priced by a partner's own program", () => {
  it("answers with the partner and its program's version, and stores that answer exactly, key order included", () => {
    const record = storedRecord(commit(partnerProgram(2, 3_000), undefined));
    expect(record.answer).toMatchObject({ points: 3_000, programVersion: 2, programPartner: "cafe" });
    const read = roundTrip(record);
    expect(read.record).toEqual(record);
    expect(JSON.stringify(read.record.answer)).toBe(JSON.stringify(record.answer));
  });

  it("stores its answer in the commit answer's compact form, the partner's id after it: a few bytes more than the coalition program's", () => {
    // The same numbers and version under both: only the partner differs.
    const coalition = roundTrip(storedRecord(commit(new CompiledProgram({ ...COALITION, version: 2 }), undefined)));
    const partner = roundTrip(storedRecord(commit(partnerProgram(2, 1_000), undefined)));
    expect(coalition.record.answer).not.toHaveProperty("programPartner");
    expect(partner.record.answer).toEqual({ ...coalition.record.answer, programPartner: "cafe" });
    // The length and UTF-8 of "cafe".
    expect(partner.bytes - coalition.bytes).toBe(1 + "cafe".length);
  });

  it("stores an answer with a partner but another shape (a campaigns version too) as a map, read back exactly", () => {
    const record = storedRecord(commit(partnerProgram(2, 1_000), undefined));
    const { balance, transaction, ...fields } = record.answer as unknown as Record<string, unknown>;
    const withCampaigns = { ...record, answer: { ...fields, campaignsVersion: 3, programPartner: "cafe", balance, transaction } } as unknown as ReceiptRecord;
    const read = roundTrip(withCampaigns);
    expect(JSON.stringify(read.record.answer)).toBe(JSON.stringify(withCampaigns.answer));
  });

  it("answers a repeat with the stored first answer under another program version, or under the coalition program", () => {
    const record = storedRecord(commit(partnerProgram(2, 3_000), undefined));
    for (const later of [partnerProgram(3, 5_000), new CompiledProgram(COALITION)]) {
      const repeated = commit(later, record);
      expect(repeated).toEqual({ kind: "answered", answer: record.answer });
    }
  });
});
