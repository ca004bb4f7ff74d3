import { useState } from "preact/hooks";
import type { MemberSearchHit } from "../../protocol/admin-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { formatRoute } from "../logic/routes.js";

/** Members per page of results: a screen's worth (the server allows up to 50). */
const SEARCH_PAGE_MEMBERS = 20;

/**
 * Find members by card or phone (exact), e-mail (exact, any case) or the start of a name (any case):
 * the server's search decides which (`GET /v1/admin/members/search`). A single match opens the member.
 */
export function MembersPage({ api }: { readonly api: AdminApi }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<{ readonly query: string; readonly members: readonly MemberSearchHit[]; readonly next: string | null } | undefined>(undefined);

  const load = async (query: string, after: string | null): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const page = await api.searchMembers(query, after, SEARCH_PAGE_MEMBERS);
      const only = page.members[0];
      if (after === null && page.members.length === 1 && page.next === null && only !== undefined) {
        location.hash = formatRoute({ page: "members", member: only.member });
        return;
      }
      setResults({ query, members: after === null ? page.members : [...(results?.members ?? []), ...page.members], next: page.next });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const search = (event: Event): void => {
    event.preventDefault();
    void load(text.trim(), null);
  };
  return (
    <section aria-labelledby="members-heading">
      <h1 id="members-heading">Members</h1>
      <form class="search" role="search" onSubmit={search}>
        <label>
          Card, phone, e-mail or name
          <input name="query" required maxLength={254} value={text} onInput={(event) => setText(event.currentTarget.value)} placeholder="2000000000001, +79000000001, anna@example.com or Анна" />
        </label>
        <button type="submit" disabled={busy}>Find</button>
      </form>
      <ErrorBox error={error} />
      <p class="hint">A name matches from its start, in any case (ё and е alike); an e-mail, a card and a phone match whole.</p>
      {results !== undefined && <Results results={results} busy={busy} onMore={() => void load(results.query, results.next)} />}
    </section>
  );
}

function Results({ results, busy, onMore }: { readonly results: { readonly members: readonly MemberSearchHit[]; readonly next: string | null }; readonly busy: boolean; readonly onMore: () => void }) {
  if (results.members.length === 0 && results.next === null) return <Empty>No member matches.</Empty>;
  return (
    <section aria-label="Search results">
      <div class="table-wrap">
        <table class="results">
          <thead><tr><th>Name</th><th>Card</th><th>Phone</th><th>E-mail</th><th>Member</th></tr></thead>
          <tbody>
            {results.members.map((hit) => (
              <tr key={hit.member} data-member={hit.member}>
                <td><a href={formatRoute({ page: "members", member: hit.member })}>{hit.name ?? "(no name)"}</a></td>
                <td>{hit.card}</td><td>{hit.phone ?? "—"}</td><td>{hit.email ?? "—"}</td><td><small>{hit.member}</small></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {results.next !== null && <button type="button" disabled={busy} onClick={onMore}>More</button>}
    </section>
  );
}
