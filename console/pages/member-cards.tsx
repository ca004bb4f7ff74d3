import { useState } from "preact/hooks";
import type { CardView } from "../../protocol/admin-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { formatTime } from "../logic/format.js";

/** A block's reason is up to 200 characters on the server (CARD_BLOCK_REASON_LENGTH_MAX). */
const BLOCK_REASON_LENGTH_MAX = 200;

/** What a row is asking for before it is sent: a block's reason or a replacement's number. */
type Pending = { readonly card: string; readonly action: "block" | "replace" } | undefined;

/**
 * The member's cards (type, state, expiry) with issue, block (with a reason), unblock and replace,
 * through the admin card routes; each answer reloads the member.
 */
export function MemberCards({ api, memberId, cards, onDone }: { readonly api: AdminApi; readonly memberId: string; readonly cards: readonly CardView[]; readonly onDone: () => void }) {
  const [pending, setPending] = useState<Pending>(undefined);
  const [input, setInput] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const run = async (work: () => Promise<unknown>): Promise<void> => {
    setError(undefined);
    try {
      await work();
      setPending(undefined);
      setInput("");
      onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  const confirm = (event: Event): void => {
    event.preventDefault();
    if (pending === undefined) return;
    const value = input.trim();
    void run(() => (pending.action === "block" ? api.blockCard(pending.card, { reason: value }) : api.replaceCard(pending.card, { card: value })));
  };
  return (
    <section aria-labelledby="cards-heading">
      <h2 id="cards-heading">Cards</h2>
      {cards.length === 0 ? (
        <Empty>No cards.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="member-cards">
            <thead><tr><th>Card</th><th>Type</th><th>State</th><th>Expires</th><th>Actions</th></tr></thead>
            <tbody>
              {cards.map((card) => (
                <tr key={card.card} data-card={card.card}>
                  <td>{card.card}</td>
                  <td>{card.type ?? "—"}</td>
                  <td class="card-state">{card.state}{card.blockReason !== null && ` (${card.blockReason})`}{card.replacedBy !== null && `, replaced by ${card.replacedBy}`}</td>
                  <td>{formatTime(card.expiresAt)}</td>
                  <td class="actions">
                    {card.state === "active" && <button type="button" onClick={() => setPending({ card: card.card, action: "block" })}>Block</button>}
                    {card.state === "blocked" && card.replacedBy === null && <button type="button" onClick={() => void run(() => api.unblockCard(card.card))}>Unblock</button>}
                    {card.replacedBy === null && <button type="button" onClick={() => setPending({ card: card.card, action: "replace" })}>Replace</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pending !== undefined && (
        <form class="inline-form" onSubmit={confirm} aria-label={pending.action === "block" ? `Block card ${pending.card}` : `Replace card ${pending.card}`}>
          <label>
            {pending.action === "block" ? "Block reason" : "New card number"}
            <input name="cardInput" required maxLength={pending.action === "block" ? BLOCK_REASON_LENGTH_MAX : 32} value={input} onInput={(event) => setInput(event.currentTarget.value)} />
          </label>
          <button type="submit">{pending.action === "block" ? "Block card" : "Replace card"}</button>
          <button type="button" onClick={() => setPending(undefined)}>Cancel</button>
        </form>
      )}
      <IssueCard api={api} memberId={memberId} run={run} />
      <ErrorBox error={error} />
    </section>
  );
}

function IssueCard({ api, memberId, run }: { readonly api: AdminApi; readonly memberId: string; readonly run: (work: () => Promise<unknown>) => Promise<void> }) {
  const [card, setCard] = useState("");
  const [type, setType] = useState("");
  const [expires, setExpires] = useState("");
  const submit = (event: Event): void => {
    event.preventDefault();
    const expiresAt = expires === "" ? null : Date.parse(`${expires}T00:00:00Z`);
    void run(async () => {
      await api.issueCard(memberId, { card: card.trim(), ...(type.trim() === "" ? {} : { type: type.trim() }), expiresAt });
      setCard("");
      setType("");
      setExpires("");
    });
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-label="Issue a card">
      <label>
        New card number
        <input name="issueCard" required maxLength={32} value={card} onInput={(event) => setCard(event.currentTarget.value)} />
      </label>
      <label>
        Type (optional)
        <input name="issueType" maxLength={64} value={type} onInput={(event) => setType(event.currentTarget.value)} />
      </label>
      <label>
        Expires (optional)
        <input name="issueExpires" type="date" value={expires} onInput={(event) => setExpires(event.currentTarget.value)} />
      </label>
      <button type="submit">Issue card</button>
    </form>
  );
}
