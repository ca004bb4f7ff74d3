import { useState } from "preact/hooks";
import type { AdminApi } from "../api/admin-api.js";
import type { SettlementReport } from "../../protocol/admin-wire.js";
import { Empty, ErrorBox } from "../components/error-box.js";

/** The default report: the last whole calendar month, in UTC as the server counts days. */
function lastMonth(now: Date): { from: string; to: string } {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  return { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) };
}

/** Money in minor units as major units with two decimals (the program's currency). */
function money(minor: number): string {
  const sign = minor < 0 ? "-" : "";
  const absolute = Math.abs(minor);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, "0")}`;
}

/**
 * What partners owe each other for points one issued that another's store took as payment
 * (GET /v1/admin/settlement), per pair over whole UTC days, and the entries as CSV.
 */
export function SettlementPage({ api }: { readonly api: AdminApi }) {
  const [range, setRange] = useState(lastMonth(new Date()));
  const [report, setReport] = useState<{ state: "idle" } | { state: "loading" } | { state: "done"; value: SettlementReport } | { state: "failed"; error: unknown }>({ state: "idle" });
  const show = (event: Event): void => {
    event.preventDefault();
    setReport({ state: "loading" });
    api.settlement(range).then(
      (value) => setReport({ state: "done", value }),
      (error: unknown) => setReport({ state: "failed", error }),
    );
  };
  const download = (): void => {
    void api.settlementCsv(range).then((csv) => {
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      link.download = `settlement-${range.from}-${range.to}.csv`;
      link.click();
    }, (error: unknown) => setReport({ state: "failed", error }));
  };
  return (
    <section aria-labelledby="settlement-heading">
      <h1 id="settlement-heading">Settlement</h1>
      <p>Points one partner issued and another partner's store took as payment, net of returns, per pair. Days are UTC; both ends included.</p>
      <form class="inline-form" aria-label="Settlement days" onSubmit={show}>
        <label>
          From
          <input name="from" type="date" value={range.from} onInput={(event) => setRange({ ...range, from: event.currentTarget.value })} required />
        </label>
        <label>
          To
          <input name="to" type="date" value={range.to} onInput={(event) => setRange({ ...range, to: event.currentTarget.value })} required />
        </label>
        <button type="submit">Show</button>
        <button type="button" onClick={download}>Download entries (CSV)</button>
      </form>
      {report.state === "loading" && <p>Loading…</p>}
      {report.state === "failed" && <ErrorBox error={report.error} />}
      {report.state === "done" && report.value.pairs.length === 0 && <Empty>No points changed hands between partners on these days.</Empty>}
      {report.state === "done" && report.value.pairs.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead><tr><th>Issuer (owes)</th><th>Redeemer (is owed)</th><th>Points</th><th>Value</th><th>Entries</th></tr></thead>
            <tbody>
              {report.value.pairs.map((pair) => (
                <tr key={`${pair.issuer} ${pair.redeemer}`}>
                  <td>{pair.issuer}</td><td>{pair.redeemer}</td><td>{pair.points}</td><td>{money(pair.valueMinor)}</td><td>{pair.entries}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
