import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import type { ServerProcess } from "./server-process.js";
import { getJson } from "./test-support/http-json.js";
import { startProgramGateway, type ProgramGateway } from "./test-support/program-gateway.js";

/** 10 % back; "Club" at 1,000 active points for 30 days, with 100 points on reaching it. */
const PROGRAM = {
  name: "Levels",
  points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000 },
  pointLevels: { levels: [{ id: "club", name: "Club", threshold: 1_000, validityDays: 30, pointsOnReach: 100 }] },
};

describe("levels by active points over the wire", () => {
  let gateway: ProgramGateway;
  let server: ServerProcess;
  let client: LoycoreClient;
  let admin: string;

  beforeAll(async () => {
    gateway = await startProgramGateway("point-levels", PROGRAM);
    ({ server, client, admin } = gateway);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("answers the commit that reaches a level with it and its points, once, and shows the level in identify and the admin view", async () => {
    await client.enroll({ card: "9400000000001" });
    const at = Date.now() - 60_000;
    const receipt = { id: "lv-1", at, lines: [{ sku: "a", qty: 1, price: 10_000, amount: 10_000 }] };
    const reached = await client.commit({ card: "9400000000001", receipt });
    expect(reached.pointLevelReached).toEqual({ id: "club", name: "Club", points: 100 });
    expect(await client.commit({ card: "9400000000001", receipt })).toEqual(reached);
    const next = await client.commit({ card: "9400000000001", receipt: { ...receipt, id: "lv-2" } });
    expect(next.pointLevelReached).toBeUndefined();
    expect(await client.identify({ card: "9400000000001" })).toMatchObject({ pointLevel: { id: "club", name: "Club", expiresAt: expect.any(Number) } });
    expect(await client.balance({ card: "9400000000001" })).toMatchObject({ balance: 1_000 + 100 + 1_000 });
    const view = await getJson(`${server.url}/v1/admin/members?card=9400000000001`, admin);
    expect(view.body).toMatchObject({ pointLevel: { id: "club" } });
  });
});
