import { afterAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { inviteToSurvey } from "./test-support/survey-fixture.js";
import { WebhookReceiver, waitUntil } from "./test-support/webhook-receiver.js";

const ANSWERS = "recommend=8&store=0&likes=1";

async function submit(link: string, form: string): Promise<{ status: number; text: string }> {
  const response = await fetch(link, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
  return { status: response.status, text: await response.text() };
}

describe("surveys across a crash (SIGKILL) of the whole node", () => {
  const directory = makeTemporaryDirectory("survey-durability");
  const receiver = new WebhookReceiver();
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  it("keeps an acknowledged answer and its one reward, the links and every invitation: after a restart nothing is given or sent twice", async () => {
    await receiver.start();
    const options = ["--demo", "--demo-members", "1", "--shards", "2", "--checkpoint-interval-milliseconds", "100"];
    server = await startServerProcess(directory.path, options);
    const admin = server.adminToken ?? "";
    const lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    const member = (await lane.enroll({ card: "9700000000001" })).member;
    await lane.close();
    const links = await inviteToSurvey(server.url, admin, receiver, "visit", 2);
    const link = links.get(member) as string;
    expect((await submit(link, ANSWERS)).text).toContain("Thank you for your answers");
    await waitUntil("the reward event", () => receiver.at("/surveys").some((delivery) => delivery.body.kind === "survey.reward"));
    await server.kill();

    server = await startServerProcess(directory.path, [...options, "--admin-token", admin]);
    // The link still opens (the secret was durable), and says the survey was answered.
    const port = new URL(server.url).port;
    const relinked = link.replace(/:\d+\//, `:${port}/`);
    const page = await fetch(relinked);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("You have already answered this survey");
    expect((await submit(relinked, ANSWERS)).text).toContain("You have already answered this survey");
    expect((await submit(relinked, "recommend=1&store=1")).status).toBe(409);
    const view = (await getJson(`${server.url}/v1/admin/members/${member}`, admin)).body as { lots: { source: string; points: number }[] };
    expect(view.lots.filter((lot) => lot.source === "survey").map((lot) => lot.points)).toEqual([150]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = await postJson(`${server.url}/v1/admin/surveys/visit/invite`, admin, {});
    expect(again.body).toMatchObject({ invited: 0, alreadyInvited: 2 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const kinds = receiver.at("/surveys").map((delivery) => `${delivery.body.kind} ${delivery.body.member}`);
    // At least once: a delivery cut by the kill may come again, always with the same event id; no new event.
    expect(new Set(kinds)).toEqual(new Set([...links.keys()].map((each) => `survey.invitation ${each}`).concat(`survey.reward ${member}`)));
    const ids = new Map<string, string>();
    for (const delivery of receiver.at("/surveys")) {
      const key = `${delivery.body.kind} ${delivery.body.member}`;
      expect(ids.get(key) ?? delivery.eventId).toBe(delivery.eventId);
      ids.set(key, delivery.eventId);
    }
    const results = await getJson(`${server.url}/v1/admin/surveys/visit/results`, admin);
    expect(results.body).toMatchObject({ answers: 1, pointsRewarded: 150 });
  }, 60_000);
});
