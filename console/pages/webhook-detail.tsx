import { useState } from "preact/hooks";
import type { WebhookDelivery, WebhookView } from "../../protocol/admin-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { formatTime } from "../logic/format.js";
import { pickedKinds, WEBHOOK_KINDS } from "../logic/webhook-kinds.js";

/** Hours the old secret keeps signing after a rotation unless the operator says otherwise: the API's default day. */
const OVERLAP_HOURS_DEFAULT = 24;

/** One endpoint: change its URL and kinds, rotate its secret, its deliveries now and lately, its dead letters (replayed one by one). */
export function WebhookDetail({ api, webhook, onChanged }: { readonly api: AdminApi; readonly webhook: WebhookView; readonly onChanged: () => void }) {
  return (
    <section class="webhook-detail" aria-labelledby="webhook-detail-heading">
      <h2 id="webhook-detail-heading">Endpoint <code>{webhook.id}</code></h2>
      <div class="side-by-side">
        <UpdateForm api={api} webhook={webhook} onChanged={onChanged} />
        <RotateForm api={api} webhook={webhook} onChanged={onChanged} />
      </div>
      <Deliveries api={api} id={webhook.id} />
    </section>
  );
}

function UpdateForm({ api, webhook, onChanged }: { readonly api: AdminApi; readonly webhook: WebhookView; readonly onChanged: () => void }) {
  const [url, setUrl] = useState(webhook.url);
  const [kinds, setKinds] = useState<ReadonlySet<string>>(new Set(webhook.kinds));
  const [channel, setChannel] = useState<"" | "sms" | "email">(webhook.channel ?? "");
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    setSaved(false);
    try {
      await api.updateWebhook(webhook.id, { url: url.trim(), kinds: pickedKinds(kinds), channel: channel === "" ? null : channel });
      setSaved(true);
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="webhook-form" aria-label="Change the endpoint" onSubmit={(event) => void submit(event)}>
      <h3>URL, kinds, channel</h3>
      <label>URL<input name="url" type="url" required value={url} onInput={(event) => setUrl(event.currentTarget.value)} /></label>
      <KindPicker legend="Event kinds" picked={kinds} onChange={setKinds} />
      <label>
        Messages by
        <select name="channel" value={channel} onChange={(event) => setChannel(event.currentTarget.value as "" | "sms" | "email")}>
          <option value="">none (plain events)</option><option value="sms">SMS</option><option value="email">e-mail</option>
        </select>
      </label>
      <button type="submit">Save changes</button>
      {saved && <span class="ok" role="status"> Saved</span>}
      <ErrorBox error={error} />
    </form>
  );
}

function RotateForm({ api, webhook, onChanged }: { readonly api: AdminApi; readonly webhook: WebhookView; readonly onChanged: () => void }) {
  const [secret, setSecret] = useState("");
  const [hours, setHours] = useState(String(OVERLAP_HOURS_DEFAULT));
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    try {
      await api.rotateWebhookSecret(webhook.id, { secret, overlapSeconds: Math.round(Number(hours) * 3_600) });
      setSecret("");
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="webhook-form" aria-label="Rotate the secret" onSubmit={(event) => void submit(event)}>
      <h3>Secret</h3>
      <p class="hint">
        {webhook.secretRotatedAt === undefined ? "Never rotated." : `Rotated ${formatTime(webhook.secretRotatedAt)}.`}{" "}
        {webhook.previousSecretExpiresAt === undefined ? "Only the current secret signs." : `The old secret also signs until ${formatTime(webhook.previousSecretExpiresAt)}.`}
      </p>
      <label>New secret (16+ characters)<input name="new-secret" type="password" autocomplete="new-password" required minLength={16} value={secret} onInput={(event) => setSecret(event.currentTarget.value)} /></label>
      <label>Old secret also signs for (hours)<input name="overlap" type="number" min={0} max={168} step="any" required value={hours} onInput={(event) => setHours(event.currentTarget.value)} /></label>
      <button type="submit">Rotate secret</button>
      <ErrorBox error={error} />
    </form>
  );
}

function Deliveries({ api, id }: { readonly api: AdminApi; readonly id: string }) {
  const [deliveries, reloadDeliveries] = useAsync(() => api.webhookDeliveries(id), [api, id]);
  const [dead, reloadDead] = useAsync(() => api.webhookDeadLetters(id, null), [api, id]);
  const [error, setError] = useState<unknown>(undefined);
  const replay = async (event: string): Promise<void> => {
    setError(undefined);
    try {
      await api.replayDeadLetter(id, event);
      reloadDead();
      reloadDeliveries();
    } catch (failure) {
      setError(failure);
    }
  };
  const rows = deliveries.state === "done" ? [...deliveries.value.current, ...deliveries.value.recent] : [];
  return (
    <>
      <h3>Deliveries <button type="button" onClick={() => { reloadDeliveries(); reloadDead(); }}>Refresh</button></h3>
      {deliveries.state === "failed" && <ErrorBox error={deliveries.error} />}
      {deliveries.state === "done" && (rows.length === 0 ? <Empty>Nothing delivered since the server started.</Empty> : <DeliveryTable rows={rows} />)}
      <h3>Dead letters</h3>
      <ErrorBox error={error} />
      {dead.state === "failed" && <ErrorBox error={dead.error} />}
      {dead.state === "done" && (dead.value.deadLetters.length === 0 ? <Empty>No dead letters.</Empty> : (
        <div class="table-wrap">
          <table aria-label="Dead letters">
            <thead><tr><th>Event</th><th>Kind</th><th>Member</th><th>Attempts</th><th>Failed</th><th>Last error</th><th></th></tr></thead>
            <tbody>
              {dead.value.deadLetters.map((letter) => (
                <tr key={letter.event}>
                  <td><code class="detail">{letter.event}</code></td><td>{letter.kind}</td><td><a href={`#/members/${encodeURIComponent(letter.member)}`}>{letter.member}</a></td>
                  <td>{letter.attempts}</td><td>{formatTime(letter.failedAt)}</td><td>{letter.error}</td>
                  <td><button type="button" onClick={() => void replay(letter.event)}>Replay</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </>
  );
}

function DeliveryTable({ rows }: { readonly rows: readonly WebhookDelivery[] }) {
  return (
    <div class="table-wrap">
      <table aria-label="Deliveries">
        <thead><tr><th>Event</th><th>Kind</th><th>State</th><th>Attempts</th><th>Last error</th><th>At</th></tr></thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.event}-${row.state}`} class={row.state === "dead" || row.lastError !== null ? "failing" : undefined}>
              <td><code class="detail">{row.event}</code></td><td>{row.kind}</td><td>{row.state}</td><td>{row.attempts}</td>
              <td>{row.lastError ?? "—"}{row.nextAttemptAt !== null && <small> (next {formatTime(row.nextAttemptAt)})</small>}</td><td>{formatTime(row.at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Checkboxes of every event kind. */
export function KindPicker({ legend, picked, onChange }: { readonly legend: string; readonly picked: ReadonlySet<string>; readonly onChange: (next: ReadonlySet<string>) => void }) {
  const toggle = (kind: string, on: boolean): void => {
    const next = new Set(picked);
    if (on) next.add(kind);
    else next.delete(kind);
    onChange(next);
  };
  return (
    <fieldset class="switch">
      <legend>{legend}</legend>
      {WEBHOOK_KINDS.map((kind) => (
        <label key={kind}><input type="checkbox" checked={picked.has(kind)} onChange={(event) => toggle(kind, event.currentTarget.checked)} />{kind}</label>
      ))}
    </fieldset>
  );
}
