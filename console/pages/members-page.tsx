import { useState } from "preact/hooks";
import type { AdminApi } from "../api/admin-api.js";
import { ErrorBox } from "../components/error-box.js";
import { searchKindOf } from "../logic/format.js";
import { formatRoute } from "../logic/routes.js";

/** Find a member by card or phone (the directory indexes those two; names are not indexed). */
export function MembersPage({ api }: { readonly api: AdminApi }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const search = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const value = text.trim();
      const member = searchKindOf(value) === "phone" ? await api.memberByPhone(value) : await api.memberByCard(value);
      location.hash = formatRoute({ page: "members", member: member.member });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="members-heading">
      <h1 id="members-heading">Members</h1>
      <form class="search" role="search" onSubmit={(event) => void search(event)}>
        <label>
          Card or phone (+ and digits)
          <input name="query" required inputMode="tel" value={text} onInput={(event) => setText(event.currentTarget.value)} placeholder="2000000000001 or +79000000001" />
        </label>
        <button type="submit" disabled={busy}>Find</button>
      </form>
      <ErrorBox error={error} />
      <p class="hint">Search by name is not offered: the member directory indexes cards and phones only.</p>
    </section>
  );
}
