import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { inviteToSurvey, surveyDefinition } from "./test-support/survey-fixture.js";
import { WebhookReceiver, waitUntil } from "./test-support/webhook-receiver.js";
import { verifyWebhookSignature } from "./notifications/webhook-signature.js";

const FORM = "application/x-www-form-urlencoded";

async function page(url: string, form?: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, form === undefined ? {} : { method: "POST", headers: { "content-type": FORM }, body: form });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe("surveys over the wire", () => {
  const directory = makeTemporaryDirectory("surveys");
  const receiver = new WebhookReceiver();
  let server: ServerProcess;
  let lane: LoycoreClient;
  let admin: string;
  let links: Map<string, string>;
  const members: string[] = [];

  beforeAll(async () => {
    await receiver.start();
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "2", "--checkpoint-interval-milliseconds", "100"]);
    admin = server.adminToken ?? "";
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    for (let index = 0; index < 3; index += 1) members.push((await lane.enroll({ card: `95000000000${index}` })).member);
    // The demo member too: everyone is invited.
    links = await inviteToSurvey(server.url, admin, receiver, "visit", 4);
  }, 60_000);

  afterAll(async () => {
    await lane?.close();
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  it("keeps definitions: field-by-field refusals, the survey as stored, the list, and only the program's people may write", async () => {
    const bad = await postJson(`${server.url}/v1/admin/surveys/other`, admin, { ...surveyDefinition(Date.now()), questions: [{ id: "q", text: "Q", kind: "single", options: ["only"] }] }, "PUT");
    expect(bad).toMatchObject({ status: 400, body: { code: "BAD_REQUEST", message: "questions[0].options must have at least 2 items" } });
    const noSegment = await postJson(`${server.url}/v1/admin/surveys/other`, admin, { ...surveyDefinition(Date.now()), audience: { segment: "nobody" } }, "PUT");
    expect(noSegment.body).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("audience.segment") });
    const badCondition = await postJson(`${server.url}/v1/admin/surveys/other`, admin, { ...surveyDefinition(Date.now()), audience: { when: { status: ["platinum"] } } }, "PUT");
    expect(badCondition.body).toMatchObject({ code: "BAD_REQUEST", problems: [expect.objectContaining({ path: expect.stringMatching(/^audience\.when/) })] });
    expect((await getJson(`${server.url}/v1/admin/surveys/visit`, admin)).body).toMatchObject({ id: "visit", state: "open", invitedAt: expect.any(Number), reward: { points: 150, lifetimeDays: 90 } });
    expect(((await getJson(`${server.url}/v1/admin/surveys`, admin)).body["surveys"] as unknown[]).length).toBe(1);
    expect((await getJson(`${server.url}/v1/admin/surveys/nope`, admin)).body).toMatchObject({ code: "SURVEY_UNKNOWN" });
    // Invitations have gone out: the questions and the reward stay as they are.
    const frozen = await postJson(`${server.url}/v1/admin/surveys/visit`, admin, { ...surveyDefinition(Date.now()), reward: { points: 1_000 } }, "PUT");
    expect(frozen).toMatchObject({ status: 409, body: { code: "CONFLICT" } });
    expect((await postJson(`${server.url}/v1/admin/operators`, admin, { name: "rita", role: "read-only", password: "read-only-password-1" })).status).toBe(200);
    const session = (await postJson(`${server.url}/v1/admin/sessions`, "", { name: "rita", password: "read-only-password-1" })).body["token"] as string;
    expect((await postJson(`${server.url}/v1/admin/surveys/visit/close`, session, {})).body).toMatchObject({ code: "FORBIDDEN" });
    const audit = (await getJson(`${server.url}/v1/admin/audit?action=survey.put`, admin)).body["audit"] as unknown[];
    expect(audit).toHaveLength(1);
  });

  it("invites every member once with a signed personal link, again invites no one, and the link opens the survey's page without any token", async () => {
    expect(links.size).toBe(4);
    for (const member of members) expect(links.has(member)).toBe(true);
    for (const delivery of receiver.at("/surveys")) expect(verifyWebhookSignature("survey-secret-0123456789", delivery.timestamp, delivery.text, delivery.signature)).toBe(true);
    const again = await postJson(`${server.url}/v1/admin/surveys/visit/invite`, admin, {});
    expect(again.body).toMatchObject({ survey: "visit", invited: 0, alreadyInvited: 4 });
    const link = links.get(members[0] as string) as string;
    expect(link.startsWith(`${server.url}/s/visit.${members[0]}.`)).toBe(true);
    const shown = await page(link);
    expect(shown.status).toBe(200);
    expect(shown.headers.get("referrer-policy")).toBe("no-referrer");
    expect(shown.text).toContain("How likely are you to recommend us?");
    // Escaped: the description's "<and>" and the option's "&" are text, not markup.
    expect(shown.text).toContain("Three quick questions &lt;and&gt; a comment.");
    expect(shown.text).toContain("North &amp; South");
  });

  it("accepts answers once, rewards once with a survey lot and survey.reward, and says so again on a second submission", async () => {
    const member = members[0] as string;
    const link = links.get(member) as string;
    const missing = await page(link, "store=1");
    expect(missing.status).toBe(400);
    expect(missing.text).toContain("answers.recommend is required");
    const outOfRange = await page(link, "recommend=11&store=1&comment=%3Cb%3Ekept%3C%2Fb%3E");
    expect(outOfRange.text).toContain("answers.recommend must be from 0 to 10");
    // What was sent is shown again (escaped), so nothing typed is lost.
    expect(outOfRange.text).toContain('value="1" checked');
    expect(outOfRange.text).toContain("&lt;b&gt;kept&lt;/b&gt;</textarea>");
    const answered = await page(link, "recommend=9&store=1&likes=0&likes=2&comment=Great%2C+%22thanks%22");
    expect(answered.status).toBe(200);
    expect(answered.text).toContain("Thank you for your answers");
    expect(answered.text).toContain("<strong>150</strong> points");
    const repeat = await page(link, "recommend=9&store=1&likes=0&likes=2&comment=Great%2C+%22thanks%22");
    expect(repeat.text).toContain("You have already answered this survey");
    const other = await page(link, "recommend=2&store=0");
    expect(other.status).toBe(409);
    expect(other.text).toContain("You have already answered this survey");
    expect((await page(link)).text).toContain("You have already answered this survey");
    const view = (await getJson(`${server.url}/v1/admin/members/${member}`, admin)).body as { balance: number; lots: { source: string; points: number; reference: string }[] };
    expect(view.lots.filter((lot) => lot.source === "survey")).toEqual([expect.objectContaining({ points: 150, reference: "survey:visit" })]);
    expect(view.balance).toBe(150);
    await waitUntil("the reward event", () => receiver.at("/surveys").some((delivery) => delivery.body.kind === "survey.reward"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rewards = receiver.at("/surveys").filter((delivery) => delivery.body.kind === "survey.reward");
    expect(rewards.map((delivery) => [delivery.body.member, delivery.body.data["points"]])).toEqual([[member, 150]]);
  });

  it("refuses forged links and, once closed, answers; results count per option with an average in hundredths, and the CSV quotes as RFC 4180 says", async () => {
    const member = members[1] as string;
    const link = links.get(member) as string;
    const forged = await page(`${link.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(403);
    expect(forged.text).toContain("SURVEY_TOKEN_INVALID");
    expect((await page(link.replace(member, members[2] as string))).status).toBe(403);
    expect((await page(link, "recommend=7&store=0&likes=1&comment=%3DHYPERLINK(1)")).status).toBe(200);
    const results = await getJson(`${server.url}/v1/admin/surveys/visit/results`, admin);
    expect(results.body).toEqual({
      survey: "visit",
      answers: 2,
      pointsRewarded: 300,
      questions: [
        { question: "recommend", kind: "scale", answered: 2, values: { "7": 1, "9": 1 }, averageHundredths: 800 },
        { question: "store", kind: "single", answered: 2, options: [1, 1] },
        { question: "likes", kind: "multiple", answered: 2, options: [1, 1, 1] },
        { question: "comment", kind: "text", answered: 2 },
      ],
    });
    const csv = await fetch(`${server.url}/v1/admin/surveys/visit/answers.csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const rows = (await csv.text()).split("\r\n");
    expect(rows[0]).toBe("member,answeredAt,points,recommend,store,likes,comment");
    expect(rows).toContain(`${members[0]},${rows.find((row) => row.startsWith(members[0] as string))?.split(",")[1]},150,9,North & South,Prices; Choice,"Great, ""thanks"""`);
    expect(rows.find((row) => row.startsWith(member))?.endsWith(",7,Centre,Staff,'=HYPERLINK(1)")).toBe(true);
    expect(rows).toHaveLength(4);
    expect((await postJson(`${server.url}/v1/admin/surveys/visit/close`, admin, {})).body).toMatchObject({ state: "closed" });
    const closed = await page(links.get(members[2] as string) as string, "recommend=1&store=0");
    expect(closed.status).toBe(409);
    expect(closed.text).toContain("SURVEY_CLOSED");
    expect((await postJson(`${server.url}/v1/admin/surveys/visit/invite`, admin, {})).body).toMatchObject({ code: "SURVEY_CLOSED" });
    // No enabled endpoint takes survey.invitation: refused before anything is sent or frozen.
    expect((await postJson(`${server.url}/v1/admin/surveys/later`, admin, surveyDefinition(Date.now()), "PUT")).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/webhooks/surveys/disable`, admin, {})).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/surveys/later/invite`, admin, {})).body).toMatchObject({ code: "SURVEY_NO_ENDPOINT" });
    expect((await getJson(`${server.url}/v1/admin/surveys/later`, admin)).body).toMatchObject({ invitedAt: null });
  });
});
