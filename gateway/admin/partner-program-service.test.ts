import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { simpleProgram } from "../../domain/test-support/simple-program.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { ControlStore } from "../control/control-store.js";
import { createInMemoryCluster } from "../shards/in-memory-cluster.js";
import { outcomeOfError } from "../transport/request-handler.js";
import { PARTNER_PROGRAMS_MAX, PartnerProgramService } from "./partner-program-service.js";

const DOCUMENT = { name: "Own", points: { accrualRateBasisPoints: 2_000, maxRedeemShareBasisPoints: 1_000 } };
const opened: { control: ControlStore; remove: () => void }[] = [];

async function setUp(withCoalition = true) {
  const directory = makeTemporaryDirectory("partner-program-service");
  const control = new ControlStore({ path: join(directory.path, "control") });
  opened.push({ control, remove: directory.remove });
  const program = withCoalition ? simpleProgram(1) : null;
  if (program !== null) await control.appendProgram(program);
  const { cluster } = createInMemoryCluster({ shardThreads: 2, program, clock: () => 1 });
  return { control, cluster, service: new PartnerProgramService(control, cluster) };
}

/** What the admin transport answers: a thrown coded error becomes its failure. */
async function outcome<Value>(work: () => Value | Promise<Value>): Promise<Value | ReturnType<typeof outcomeOfError>> {
  try {
    return await work();
  } catch (error) {
    return outcomeOfError(error);
  }
}

afterEach(async () => {
  for (const { control, remove } of opened.splice(0)) {
    await control.close();
    remove();
  }
});

describe("PartnerProgramService", () => {
  it("refuses a partner's program before the coalition program, and for an unknown partner", async () => {
    const { control, service } = await setUp(false);
    await control.writePartner({ id: "cafe", name: "Cafe" });
    expect(await outcome(() => service.put("cafe", DOCUMENT, "olga"))).toMatchObject({ ok: false, code: "NO_PROGRAM" });
    expect(await outcome(() => service.put("nobody", DOCUMENT, "olga"))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(() => service.current("nobody"))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(control.currentPartnerProgram("cafe")).toBeUndefined();
  });

  it(`lets at most ${PARTNER_PROGRAMS_MAX} partners run a program of their own at once, any of them change theirs, and a return frees a place`, async () => {
    const { control, service } = await setUp();
    const partners = Array.from({ length: PARTNER_PROGRAMS_MAX + 1 }, (_, index) => `p${String(index).padStart(3, "0")}`);
    for (const id of partners) await control.writePartner({ id, name: id });
    for (const id of partners.slice(0, PARTNER_PROGRAMS_MAX)) expect(await service.put(id, DOCUMENT, "olga")).toMatchObject({ ok: true, value: { version: 1 } });
    const last = partners[PARTNER_PROGRAMS_MAX] ?? "";
    expect(await service.put(last, DOCUMENT, "olga")).toMatchObject({ ok: false, code: "TOO_LARGE" });
    expect(await service.put(partners[0] ?? "", DOCUMENT, "olga")).toMatchObject({ ok: true, value: { version: 2 } });
    expect(await service.remove(partners[1] ?? "", "olga")).toMatchObject({ ok: true, value: { version: 2, program: null } });
    expect(await service.put(last, DOCUMENT, "olga")).toMatchObject({ ok: true, value: { version: 1 } });
    const list = service.list();
    expect(list.ok && list.value.programs.length).toBe(PARTNER_PROGRAMS_MAX);
  }, 30_000);

  it("answers a return of a partner that never had a program of its own as it is, storing and auditing nothing", async () => {
    const { control, service } = await setUp();
    await control.writePartner({ id: "cafe", name: "Cafe" });
    expect(await service.remove("cafe", "olga")).toEqual({ ok: true, value: { partner: "cafe", version: 0, program: null, at: null } });
    expect(control.readAuditFiltered(null, 10, {}).items).toEqual([]);
    expect(await outcome(() => service.versions("cafe", "0", undefined))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await outcome(() => service.versions("cafe", undefined, "501"))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(service.versions("cafe", undefined, undefined)).toEqual({ ok: true, value: { versions: [], next: null } });
  });
});
