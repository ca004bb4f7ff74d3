import { useState } from "preact/hooks";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { formatTime } from "../logic/format.js";
import { WEBHOOK_KINDS } from "../logic/webhook-kinds.js";
import { useAction } from "../components/use-action.js";

/** Message templates per event kind and channel: list, set (the server checks the variables), delete. */
export function TemplatesSection({ api }: { readonly api: AdminApi }) {
  const [templates, reload] = useAsync(() => api.templates(), [api]);
  const [kind, setKind] = useState<string>(WEBHOOK_KINDS[0]);
  const [channel, setChannel] = useState("sms");
  const [text, setText] = useState("");
  const [act, error] = useAction(reload);
  const save = (event: Event): void => {
    event.preventDefault();
    void act(() => api.setTemplate(kind, channel, text));
  };
  return (
    <section class="templates" aria-labelledby="templates-heading">
      <h2 id="templates-heading">Message templates</h2>
      <p class="hint">Rendered into the deliveries of endpoints with a channel, for members who consent to it. Variables: {"{{name}}"}, {"{{card}}"}, {"{{date}}"} and the event's fields, such as {"{{points}}"}.</p>
      {templates.state === "failed" && <ErrorBox error={templates.error} />}
      {templates.state === "done" && (templates.value.templates.length === 0 ? <Empty>No templates yet.</Empty> : (
        <div class="table-wrap">
          <table aria-label="Message templates">
            <thead><tr><th>Kind</th><th>Channel</th><th>Text</th><th>Changed</th><th></th></tr></thead>
            <tbody>
              {templates.value.templates.map((template) => (
                <tr key={`${template.kind}/${template.channel}`}>
                  <td>{template.kind}</td><td>{template.channel}</td><td>{template.text}</td><td>{formatTime(template.updatedAt)}</td>
                  <td><button type="button" class="danger" onClick={() => void act(() => api.deleteTemplate(template.kind, template.channel))}>Delete</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <form class="webhook-form" aria-label="Set a message template" onSubmit={save}>
        <div class="inline-form">
          <label>Kind<select name="kind" value={kind} onChange={(event) => setKind(event.currentTarget.value)}>{WEBHOOK_KINDS.map((choice) => <option key={choice} value={choice}>{choice}</option>)}</select></label>
          <label>Channel<select name="template-channel" value={channel} onChange={(event) => setChannel(event.currentTarget.value)}><option value="sms">SMS</option><option value="email">e-mail</option></select></label>
        </div>
        <label>Text<textarea name="text" rows={3} required maxLength={2_000} value={text} onInput={(event) => setText(event.currentTarget.value)} /></label>
        <button type="submit">Save template</button>
        <ErrorBox error={error} />
      </form>
    </section>
  );
}
