import { useState } from "preact/hooks";
import type { TerminalWithToken } from "../../protocol/admin-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { formatTime } from "../logic/format.js";

/** Partners, stores and terminals: list, create; terminals also revoke and a new token (shown once). */
export function SetupPage({ api }: { readonly api: AdminApi }) {
  const [partners, reloadPartners] = useAsync(() => api.partners(), [api]);
  const [stores, reloadStores] = useAsync(() => api.stores(), [api]);
  const [terminals, reloadTerminals] = useAsync(() => api.terminals(), [api]);
  const [shownToken, setShownToken] = useState<TerminalWithToken | undefined>(undefined);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const act = async (work: () => Promise<TerminalWithToken | unknown>): Promise<void> => {
    setActionError(undefined);
    setShownToken(undefined);
    try {
      const answer = await work();
      if (typeof answer === "object" && answer !== null && "token" in answer) setShownToken(answer as TerminalWithToken);
      reloadTerminals();
    } catch (error) {
      setActionError(error);
    }
  };
  return (
    <section aria-labelledby="setup-heading">
      <h1 id="setup-heading">Partners, stores, terminals</h1>
      {shownToken !== undefined && (
        <div class="token" role="status">
          New token of terminal <strong>{shownToken.id}</strong>, shown this once (loycore keeps only its hash): <code data-testid="new-token">{shownToken.token}</code>
        </div>
      )}
      <ErrorBox error={actionError} />
      <h2>Partners</h2>
      {partners.state === "failed" && <ErrorBox error={partners.error} />}
      {partners.state === "done" && (partners.value.partners.length === 0 ? <Empty>No partners yet.</Empty> : (
        <ul class="plain">{partners.value.partners.map((partner) => <li key={partner.id}><code>{partner.id}</code> {partner.name}</li>)}</ul>
      ))}
      <CreateForm label="Create a partner" fields={["id", "name"]} onCreate={(values) => api.createPartner({ id: values["id"] ?? "", name: values["name"] ?? "" }).then(reloadPartners)} />
      <h2>Stores</h2>
      {stores.state === "failed" && <ErrorBox error={stores.error} />}
      {stores.state === "done" && (stores.value.stores.length === 0 ? <Empty>No stores yet.</Empty> : (
        <ul class="plain">{stores.value.stores.map((store) => <li key={store.id}><code>{store.id}</code> {store.name} <small>(partner {store.partner})</small></li>)}</ul>
      ))}
      <CreateForm label="Create a store" fields={["id", "partner", "name"]} onCreate={(values) => api.createStore({ id: values["id"] ?? "", partner: values["partner"] ?? "", name: values["name"] ?? "" }).then(reloadStores)} />
      <h2>Terminals</h2>
      {terminals.state === "failed" && <ErrorBox error={terminals.error} />}
      {terminals.state === "done" && (terminals.value.terminals.length === 0 ? <Empty>No terminals yet.</Empty> : (
        <div class="table-wrap">
          <table>
            <thead><tr><th>Terminal</th><th>Store</th><th>Partner</th><th>State</th><th>Actions</th></tr></thead>
            <tbody>
              {terminals.value.terminals.map((terminal) => (
                <tr key={terminal.id} data-terminal={terminal.id}>
                  <td><code>{terminal.id}</code></td><td>{terminal.store}</td><td>{terminal.partner}</td>
                  <td>{terminal.revokedAt === undefined ? "active" : `revoked ${formatTime(terminal.revokedAt)}`}</td>
                  <td>
                    {terminal.revokedAt === undefined && (
                      <>
                        <button type="button" onClick={() => void act(() => api.rotateTerminalToken(terminal.id))}>New token</button>{" "}
                        <button type="button" class="danger" onClick={() => confirm(`Revoke terminal ${terminal.id}? Its lane stops working at once.`) && void act(() => api.revokeTerminal(terminal.id))}>Revoke</button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <CreateForm label="Create a terminal" fields={["id", "store"]} onCreate={(values) => act(() => api.createTerminal({ id: values["id"] ?? "", store: values["store"] ?? "" }))} />
    </section>
  );
}

/** A small form of text fields that calls `onCreate` and shows its refusal. */
function CreateForm({ label, fields, onCreate }: { readonly label: string; readonly fields: readonly string[]; readonly onCreate: (values: Readonly<Record<string, string>>) => Promise<unknown> }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    try {
      await onCreate(values);
      setValues({});
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="inline-form" aria-label={label} onSubmit={(event) => void submit(event)}>
      {fields.map((field) => (
        <label key={field}>
          {field}
          <input name={field} required value={values[field] ?? ""} onInput={(event) => setValues({ ...values, [field]: event.currentTarget.value })} />
        </label>
      ))}
      <button type="submit">{label}</button>
      <ErrorBox error={error} />
    </form>
  );
}
