import { useState } from "preact/hooks";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { formatTime } from "../logic/format.js";

/** Entries per page of the trail. */
const AUDIT_PAGE_ENTRIES = 50;
/** The actions the server audits (docs/protocol.md), offered as filter choices. */
const AUDIT_ACTIONS = ["put-program", "create-partner", "create-store", "create-terminal", "revoke-terminal", "rotate-terminal-token", "enroll-member", "edit-member-profile", "adjust", "issue-card", "block-card", "unblock-card", "replace-card", "create-operator", "disable-operator"];

/** The admin audit trail, newest first, filtered by operator and action on the server. */
export function AuditPage({ api }: { readonly api: AdminApi }) {
  const [operator, setOperator] = useState("");
  const [action, setAction] = useState("");
  const [filter, setFilter] = useState({ operator: "", action: "" });
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const before = cursors[cursors.length - 1] ?? null;
  const [page] = useAsync(() => api.audit({ before, limit: AUDIT_PAGE_ENTRIES, operator: filter.operator, action: filter.action }), [api, before, filter]);
  const apply = (event: Event): void => {
    event.preventDefault();
    setFilter({ operator: operator.trim(), action });
    setCursors([null]);
  };
  return (
    <section aria-labelledby="audit-heading">
      <h1 id="audit-heading">Audit</h1>
      <form class="inline-form" aria-label="Filter the audit trail" onSubmit={apply}>
        <label>
          Operator
          <input name="operator" value={operator} onInput={(event) => setOperator(event.currentTarget.value)} placeholder="any" />
        </label>
        <label>
          Action
          <select name="action" value={action} onChange={(event) => setAction(event.currentTarget.value)}>
            <option value="">any</option>
            {AUDIT_ACTIONS.map((name) => <option key={name} value={name}>{name}</option>)}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      {page.state === "loading" && <p>Loading…</p>}
      {page.state === "failed" && <ErrorBox error={page.error} />}
      {page.state === "done" && page.value.audit.length === 0 && <Empty>No audit entries match.</Empty>}
      {page.state === "done" && page.value.audit.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead><tr><th>#</th><th>When</th><th>Operator</th><th>Action</th><th>Detail</th></tr></thead>
            <tbody>
              {page.value.audit.map((entry) => (
                <tr key={entry.sequence}>
                  <td>{entry.sequence}</td><td>{formatTime(entry.at)}</td><td>{entry.operator}</td><td>{entry.action}</td>
                  <td><code class="detail">{JSON.stringify(entry.detail)}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="pager">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Newer</button>
        <button type="button" disabled={page.state !== "done" || page.value.next === null} onClick={() => page.state === "done" && setCursors([...cursors, page.value.next])}>Older</button>
      </div>
    </section>
  );
}
