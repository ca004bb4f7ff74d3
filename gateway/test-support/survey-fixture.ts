// Thread: the test's own process: a survey set up over the admin API, and its invitations received (tests).
import { postJson } from "./http-json.js";
import { WebhookReceiver, waitUntil } from "./webhook-receiver.js";

export const SURVEY_WEBHOOK_SECRET = "survey-secret-0123456789";

/** A survey of every question kind, open for a day from now, rewarding 150 points that live 90 days. */
export function surveyDefinition(now: number): Record<string, unknown> {
  return {
    title: "How was your visit?",
    description: "Three quick questions <and> a comment.",
    questions: [
      { id: "recommend", text: "How likely are you to recommend us?", kind: "scale", min: 0, max: 10, required: true },
      { id: "store", text: "Which store did you visit?", kind: "single", options: ["Centre", "North & South"], required: true },
      { id: "likes", text: "What do you like?", kind: "multiple", options: ["Prices", "Staff", "Choice"] },
      { id: "comment", text: "Anything else?", kind: "text", maxLength: 300 },
    ],
    audience: null,
    start: now - 60_000,
    end: now + 86_400_000,
    reward: { points: 150, lifetimeDays: 90 },
  };
}

/**
 * Creates an endpoint taking the survey's events at `receiver`'s `/surveys`, stores the survey, waits
 * for the shards to learn of the endpoint, invites, and returns each member's personal link.
 */
export async function inviteToSurvey(url: string, admin: string, receiver: WebhookReceiver, surveyId: string, expectedInvitations: number): Promise<Map<string, string>> {
  const endpoint = await postJson(`${url}/v1/admin/webhooks`, admin, { id: "surveys", url: receiver.url("/surveys"), kinds: ["survey.invitation", "survey.reward"], secret: SURVEY_WEBHOOK_SECRET });
  if (endpoint.status !== 200) throw new Error(`endpoint refused: ${JSON.stringify(endpoint.body)}`);
  const stored = await postJson(`${url}/v1/admin/surveys/${surveyId}`, admin, surveyDefinition(Date.now()), "PUT");
  if (stored.status !== 200) throw new Error(`survey refused: ${JSON.stringify(stored.body)}`);
  // The endpoint's kinds reach the shards shortly after its creation; members enrolled just now, at the next checkpoint.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const invited = await postJson(`${url}/v1/admin/surveys/${surveyId}/invite`, admin, {});
  if (invited.status !== 200) throw new Error(`invite refused: ${JSON.stringify(invited.body)}`);
  await waitUntil("the invitations", () => receiver.at("/surveys").filter((delivery) => delivery.body.kind === "survey.invitation").length >= expectedInvitations);
  return new Map(
    receiver
      .at("/surveys")
      .filter((delivery) => delivery.body.kind === "survey.invitation")
      .map((delivery) => [delivery.body.member, String(delivery.body.data["link"])]),
  );
}
