import { useState } from "preact/hooks";
import type { WebhookView } from "../../protocol/admin-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { formatTime } from "../logic/format.js";
import { pickedKinds, webhookState } from "../logic/webhook-kinds.js";
import { KindPicker, WebhookDetail } from "./webhook-detail.js";
import { TemplatesSection } from "./message-templates-section.js";
import { useAction } from "../components/use-action.js";

/** Webhook endpoints (admin role): list with their delivery state, add, pause, disable, delete; one endpoint's detail below. */
export function WebhooksPage({ api }: { readonly api: AdminApi }) {
  const [webhooks, reload] = useAsync(() => api.webhooks(), [api]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [act, error] = useAction(reload);
  const list = webhooks.state === "done" ? webhooks.value.webhooks : [];
  const shown = list.find((webhook) => webhook.id === selected);
  return (
    <section aria-labelledby="webhooks-heading">
      <h1 id="webhooks-heading">Webhooks</h1>
      <p class="hint">Events POSTed to other systems, signed (docs/notifications.md). Pause holds events for an endpoint; disable stops taking new ones.</p>
      {webhooks.state === "failed" && <ErrorBox error={webhooks.error} />}
      <ErrorBox error={error} />
      {webhooks.state === "done" && (list.length === 0 ? <Empty>No webhook endpoints yet: add the first below.</Empty> : (
        <div class="table-wrap">
          <table aria-label="Webhook endpoints">
            <thead><tr><th>Endpoint</th><th>URL</th><th>Kinds</th><th>State</th><th>Secret rotated</th><th>Actions</th></tr></thead>
            <tbody>{list.map((webhook) => <WebhookRow key={webhook.id} webhook={webhook} api={api} act={act} select={() => setSelected(webhook.id)} />)}</tbody>
          </table>
        </div>
      ))}
      <CreateWebhookForm api={api} onCreated={(id) => { setSelected(id); reload(); }} />
      {shown !== undefined && <WebhookDetail key={shown.id} api={api} webhook={shown} onChanged={reload} />}
      <TemplatesSection api={api} />
    </section>
  );
}

function WebhookRow({ webhook, api, act, select }: { readonly webhook: WebhookView; readonly api: AdminApi; readonly act: (work: () => Promise<unknown>) => Promise<void>; readonly select: () => void }) {
  const state = webhookState(webhook);
  return (
    <tr data-webhook={webhook.id}>
      <td><code>{webhook.id}</code></td>
      <td class="url"><code class="detail">{webhook.url}</code></td>
      <td>{webhook.kinds.join(", ")}{webhook.channel !== undefined && <small> (messages by {webhook.channel})</small>}</td>
      <td data-testid="webhook-state">{state}{webhook.previousSecretExpiresAt !== undefined && <small> (old secret signs until {formatTime(webhook.previousSecretExpiresAt)})</small>}</td>
      <td>{formatTime(webhook.secretRotatedAt)}</td>
      <td class="actions-cell">
        <button type="button" onClick={select}>Details</button>{" "}
        <button type="button" onClick={() => void act(() => api.setWebhookState(webhook.id, webhook.paused ? "resume" : "pause"))}>{webhook.paused ? "Resume" : "Pause"}</button>{" "}
        <button type="button" onClick={() => void act(() => api.setWebhookState(webhook.id, webhook.disabled ? "enable" : "disable"))}>{webhook.disabled ? "Enable" : "Disable"}</button>{" "}
        <button type="button" class="danger" onClick={() => confirm(`Delete webhook ${webhook.id}? Its queued events and dead letters are dropped.`) && void act(() => api.deleteWebhook(webhook.id))}>Delete</button>
      </td>
    </tr>
  );
}

function CreateWebhookForm({ api, onCreated }: { readonly api: AdminApi; readonly onCreated: (id: string) => void }) {
  const [id, setId] = useState("");
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [kinds, setKinds] = useState<ReadonlySet<string>>(new Set(["points.accrued"]));
  const [channel, setChannel] = useState<"" | "sms" | "email">("");
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    try {
      const created = await api.createWebhook({ id: id.trim(), url: url.trim(), kinds: pickedKinds(kinds), secret, ...(channel === "" ? {} : { channel }) });
      setId("");
      setUrl("");
      setSecret("");
      onCreated(created.id);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="webhook-form" aria-label="Add a webhook endpoint" onSubmit={(event) => void submit(event)}>
      <h2>Add an endpoint</h2>
      <div class="inline-form">
        <label>Endpoint id<input name="id" required value={id} onInput={(event) => setId(event.currentTarget.value)} /></label>
        <label class="wide">URL<input name="url" type="url" required value={url} onInput={(event) => setUrl(event.currentTarget.value)} /></label>
        <label>Secret (16+ characters)<input name="secret" type="password" autocomplete="new-password" required minLength={16} value={secret} onInput={(event) => setSecret(event.currentTarget.value)} /></label>
        <label>
          Messages by
          <select name="channel" value={channel} onChange={(event) => setChannel(event.currentTarget.value as "" | "sms" | "email")}>
            <option value="">none (plain events)</option><option value="sms">SMS</option><option value="email">e-mail</option>
          </select>
        </label>
      </div>
      <KindPicker legend="Event kinds" picked={kinds} onChange={setKinds} />
      <button type="submit">Add endpoint</button>
      <ErrorBox error={error} />
    </form>
  );
}
