import { useState } from "preact/hooks";
import type { OperatorRole } from "../../protocol/admin-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { formatTime } from "../logic/format.js";

const ROLES: readonly OperatorRole[] = ["admin", "marketer", "support", "read-only"];

/** Operators (admin role): list, create with a role and a password, disable. */
export function OperatorsPage({ api }: { readonly api: AdminApi }) {
  const [operators, reload] = useAsync(() => api.operators(), [api]);
  const [name, setName] = useState("");
  const [role, setRole] = useState<OperatorRole>("support");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const create = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    try {
      await api.createOperator({ name: name.trim(), role, password });
      setName("");
      setPassword("");
      reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const disable = async (operator: string): Promise<void> => {
    setError(undefined);
    try {
      await api.disableOperator(operator);
      reload();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section aria-labelledby="operators-heading">
      <h1 id="operators-heading">Operators</h1>
      {operators.state === "failed" && <ErrorBox error={operators.error} />}
      {operators.state === "done" && (operators.value.operators.length === 0 ? <Empty>No operators yet: create the first below.</Empty> : (
        <div class="table-wrap">
          <table>
            <thead><tr><th>Name</th><th>Role</th><th>Created</th><th>By</th><th>State</th><th></th></tr></thead>
            <tbody>
              {operators.value.operators.map((operator) => (
                <tr key={operator.name}>
                  <td>{operator.name}</td><td>{operator.role}</td><td>{formatTime(operator.createdAt)}</td><td>{operator.createdBy}</td>
                  <td>{operator.disabledAt === undefined ? "active" : `disabled ${formatTime(operator.disabledAt)}`}</td>
                  <td>{operator.disabledAt === undefined && <button type="button" class="danger" onClick={() => confirm(`Disable ${operator.name}?`) && void disable(operator.name)}>Disable</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <form class="inline-form" aria-label="Create an operator" onSubmit={(event) => void create(event)}>
        <label>Name<input name="name" required value={name} onInput={(event) => setName(event.currentTarget.value)} /></label>
        <label>
          Role
          <select name="role" value={role} onChange={(event) => setRole(event.currentTarget.value as OperatorRole)}>
            {ROLES.map((choice) => <option key={choice} value={choice}>{choice}</option>)}
          </select>
        </label>
        <label>Password (12+ characters)<input name="password" type="password" autocomplete="new-password" required minLength={12} value={password} onInput={(event) => setPassword(event.currentTarget.value)} /></label>
        <button type="submit">Create operator</button>
      </form>
      <ErrorBox error={error} />
    </section>
  );
}
