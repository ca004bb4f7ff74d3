import { useState } from "preact/hooks";
import type { ActivityEntry, MemberView } from "../../protocol/admin-wire.js";
import type { PointLot } from "../../protocol/terminal-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { expiresSoon, formatBasisPoints, formatPoints, formatTime, newAdjustmentId } from "../logic/format.js";
import { MemberCards } from "./member-cards.js";
import { ProfileForm } from "./member-profile-form.js";

/** Lots expiring within this window are flagged on the member page: a month's notice for support to act on. */
const EXPIRING_SOON_MILLISECONDS = 30 * 24 * 60 * 60 * 1000;
/** Activity entries per page of the history. */
const ACTIVITY_PAGE_ENTRIES = 20;

/** One member: profile (and its edit form), cards and their actions, status, class, level by active points, categories, discount, points by lot, paged history, and an adjustment. */
export function MemberPage({ api, memberId, operator }: { readonly api: AdminApi; readonly memberId: string; readonly operator: string }) {
  const [member, reload] = useAsync(() => api.member(memberId), [api, memberId]);
  if (member.state === "loading") return <p>Loading…</p>;
  if (member.state === "failed") return <ErrorBox error={member.error} />;
  const view = member.value;
  return (
    <section aria-labelledby="member-heading">
      <h1 id="member-heading">{view.name ?? "Member"} <small>{view.member}</small></h1>
      <div class="cards">
        <Profile view={view} />
        <Points view={view} />
        <Adjustment api={api} memberId={memberId} operator={operator} onDone={reload} />
        <ProfileForm key={`${view.transactions}`} api={api} view={view} onDone={reload} />
      </div>
      <MemberCards api={api} memberId={memberId} cards={view.cards} onDone={reload} />
      <Lots lots={view.lots} />
      <History api={api} memberId={memberId} first={view.activity} />
    </section>
  );
}

function Profile({ view }: { readonly view: MemberView }) {
  return (
    <dl class="card">
      <dt>Card</dt><dd>{view.card}</dd>
      <dt>Phone</dt><dd>{view.phone ?? "—"}</dd>
      <dt>Birth date</dt><dd>{view.birthDate ?? "—"}</dd>
      <dt>E-mail</dt><dd>{view.email ?? "—"}</dd>
      <dt>Consent</dt><dd>{[view.consent.sms ? "SMS" : null, view.consent.email ? "e-mail" : null].filter((channel) => channel !== null).join(", ") || "none"}</dd>
      <dt>Status</dt><dd>{view.status?.name ?? "—"}</dd>
      <dt>Class</dt><dd>{view.importanceClass?.name ?? "—"} {view.classLapsesAt !== null && <small>(lapses {formatTime(view.classLapsesAt)})</small>}</dd>
      <dt>Level</dt><dd>{view.pointLevel?.name ?? "—"} {view.pointLevel !== null && view.pointLevel.expiresAt !== null && <small>(lapses {formatTime(view.pointLevel.expiresAt)})</small>}</dd>
      <dt>Categories</dt><dd>{view.categories.length === 0 ? "—" : view.categories.map((category) => category.name).join(", ")}</dd>
      <dt>Discount</dt>
      <dd>
        {formatBasisPoints(view.discountBasisPoints)} {view.discountLapsesAt !== null && <small>(lapses {formatTime(view.discountLapsesAt)})</small>}
        {view.discountSources.length > 0 && <small class="sources"> from {view.discountSources.map((source) => `${source.rule} ${formatBasisPoints(source.basisPoints)}`).join(", ")}</small>}
      </dd>
      <dt>Member since</dt><dd>{formatTime(view.createdAt)}</dd>
      <dt>Last visit</dt><dd>{formatTime(view.counters.lastVisitAt)}</dd>
    </dl>
  );
}

function Points({ view }: { readonly view: MemberView }) {
  const now = Date.now();
  const expiring = view.lots.filter((lot) => expiresSoon(lot.expiresAt, now, EXPIRING_SOON_MILLISECONDS)).reduce((sum, lot) => sum + lot.remaining, 0);
  return (
    <dl class="card points" aria-label="Points">
      <dt>Balance</dt><dd class="balance" data-testid="balance">{formatPoints(view.balance)}</dd>
      <dt>Active</dt><dd>{formatPoints(view.points.active)}</dd>
      <dt>Pending</dt><dd>{formatPoints(view.points.pending)}</dd>
      <dt>Held</dt><dd>{formatPoints(view.points.held)}</dd>
      <dt>Expiring within 30 days</dt><dd>{formatPoints(expiring)}</dd>
      {view.points.debt > 0 && (<><dt>Debt</dt><dd>{formatPoints(view.points.debt)}</dd></>)}
    </dl>
  );
}

function Adjustment({ api, memberId, operator, onDone }: { readonly api: AdminApi; readonly memberId: string; readonly operator: string; readonly onDone: () => void }) {
  const [points, setPoints] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    setDone(undefined);
    try {
      const result = await api.adjust({ id: newAdjustmentId(Date.now()), member: memberId, points: Number(points), reason: reason.trim(), operator });
      setDone(`${result.points > 0 ? "Credited" : "Debited"} ${formatPoints(Math.abs(result.points))} points; balance ${formatPoints(result.balance)}.`);
      setPoints("");
      setReason("");
      onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="card adjust" onSubmit={(event) => void submit(event)} aria-label="Adjust points">
      <h2>Credit or debit points</h2>
      <label>
        Points (negative to debit)
        <input name="points" type="number" step="1" required value={points} onInput={(event) => setPoints(event.currentTarget.value)} />
      </label>
      <label>
        Reason
        <input name="reason" required maxLength={500} value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
      </label>
      <button type="submit">Adjust</button>
      <ErrorBox error={error} />
      {done !== undefined && <p class="ok" role="status">{done}</p>}
    </form>
  );
}

function Lots({ lots }: { readonly lots: readonly PointLot[] }) {
  const now = Date.now();
  return (
    <section aria-labelledby="lots-heading">
      <h2 id="lots-heading">Point lots</h2>
      {lots.length === 0 ? (
        <Empty>No open point lots.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr><th>Lot</th><th>Source</th><th>Reference</th><th>Points</th><th>Remaining</th><th>Held</th><th>State</th><th>Expires</th></tr>
            </thead>
            <tbody>
              {lots.map((lot) => (
                <tr key={lot.id}>
                  <td>{lot.id}</td><td>{lot.source}</td><td>{lot.reference}</td><td>{formatPoints(lot.points)}</td>
                  <td>{formatPoints(lot.remaining)}</td><td>{formatPoints(lot.held)}</td>
                  <td>{lot.activatesAt > now ? `pending until ${formatTime(lot.activatesAt)}` : lot.held > 0 ? "active, partly held" : "active"}</td>
                  <td class={expiresSoon(lot.expiresAt, now, EXPIRING_SOON_MILLISECONDS) ? "expiring" : undefined}>{formatTime(lot.expiresAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function History({ api, memberId, first }: { readonly api: AdminApi; readonly memberId: string; readonly first: readonly ActivityEntry[] }) {
  const [pages, setPages] = useState<(number | null)[]>([null]);
  const before = pages[pages.length - 1] ?? null;
  const [page] = useAsync(() => (before === null ? Promise.resolve({ activity: first }) : api.activity(memberId, before, ACTIVITY_PAGE_ENTRIES)), [api, memberId, before, first]);
  const entries = page.state === "done" ? page.value.activity.slice(0, ACTIVITY_PAGE_ENTRIES) : [];
  const last = entries[entries.length - 1];
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Activity</h2>
      {page.state === "failed" && <ErrorBox error={page.error} />}
      {page.state === "done" && entries.length === 0 && <Empty>No activity{pages.length > 1 ? " older than this" : ""}.</Empty>}
      {entries.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead><tr><th>#</th><th>When</th><th>Kind</th><th>Details</th></tr></thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.sequence}>
                  <td>{entry.sequence}</td><td>{formatTime(entry.at)}</td><td>{entry.kind}</td>
                  <td><code class="detail">{detailOf(entry)}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="pager">
        <button type="button" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>Newer</button>
        <button type="button" disabled={last === undefined || entries.length < ACTIVITY_PAGE_ENTRIES} onClick={() => last !== undefined && setPages([...pages, last.sequence])}>Older</button>
      </div>
    </section>
  );
}

function detailOf(entry: ActivityEntry): string {
  const rest: Record<string, unknown> = { ...entry };
  for (const shown of ["sequence", "at", "kind"]) delete rest[shown];
  return JSON.stringify(rest);
}
