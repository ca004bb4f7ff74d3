import { useEffect, useState } from "preact/hooks";
import type { CampaignBudgetView, CouponView } from "../../protocol/admin-wire.js";
import type { Campaign } from "../../protocol/campaign-document.js";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { newClientId } from "../logic/campaign-summary.js";
import { formatPoints, formatTime } from "../logic/format.js";

/** Coupons asked for per page (the server's most is 100). */
const COUPON_PAGE_LIMIT = 50;
/**
 * Pages read for one click at most to fill the list: coupons live where their codes hash, so a
 * campaign with few coupons among many others' answers short, even empty, pages with a `next`
 * (docs/campaigns.md); each page reads at most 64 of the 256 logical shards, so 4 cover them all.
 */
const COUPON_PAGES_PER_CLICK_MAX = 8;

/** One campaign: its budget (when it has one) and its coupons. */
export function CampaignDetail({ api, campaign, mayChange }: { readonly api: AdminApi; readonly campaign: Campaign; readonly mayChange: boolean }) {
  const budgeted = campaign.budgetPoints !== undefined || campaign.budgetDiscount !== undefined;
  return (
    <section class="campaign-detail" aria-labelledby="campaign-detail-heading">
      <h2 id="campaign-detail-heading">{campaign.name} ({campaign.id})</h2>
      {budgeted ? <BudgetView api={api} campaign={campaign.id} /> : <p class="hint">No budget: the campaign gives without a limit.</p>}
      <CouponList api={api} campaign={campaign.id} mayChange={mayChange} />
    </section>
  );
}

function BudgetView({ api, campaign }: { readonly api: AdminApi; readonly campaign: string }) {
  const [budget] = useAsync(() => api.campaignBudget(campaign), [api, campaign]);
  if (budget.state === "loading") return <p>Loading the budget…</p>;
  if (budget.state === "failed") return <ErrorBox error={budget.error} />;
  const view: CampaignBudgetView = budget.value;
  const shares = view.shards.reduce((sum, shard) => sum + shard.share, 0);
  const discountShares = view.shards.reduce((sum, shard) => sum + (shard.discountShare ?? 0), 0);
  const threads = `${view.shards.length} thread${view.shards.length === 1 ? "" : "s"}`;
  return (
    <table class="budget" aria-label="Budget">
      <thead><tr><th></th><th>Budget</th><th>Given (net of returns)</th><th>Shard threads' shares, summed</th></tr></thead>
      <tbody>
        {view.budgetPoints !== null && (
          <tr data-budget="points"><th scope="row">Points</th><td>{formatPoints(view.budgetPoints)}</td><td>{formatPoints(view.given)}</td><td>{formatPoints(shares)} ({threads})</td></tr>
        )}
        {view.budgetDiscount !== undefined && (
          <tr data-budget="discount">
            <th scope="row">Discount (minor units)</th><td>{formatPoints(view.budgetDiscount)}</td><td>{formatPoints(view.discountGiven ?? 0)}</td><td>{formatPoints(discountShares)} ({threads})</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

/** The campaign's coupons, a page at a time (More), each with its state, uses left and Revoke. */
function CouponList({ api, campaign, mayChange }: { readonly api: AdminApi; readonly campaign: string; readonly mayChange: boolean }) {
  const [coupons, setCoupons] = useState<readonly CouponView[]>([]);
  const [next, setNext] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const load = async (after: string | null): Promise<void> => {
    setLoading(true);
    setError(undefined);
    try {
      let cursor = after;
      const found: CouponView[] = [];
      for (let pages = 0; found.length < COUPON_PAGE_LIMIT && pages < COUPON_PAGES_PER_CLICK_MAX; pages += 1) {
        const page = await api.campaignCoupons(campaign, cursor, COUPON_PAGE_LIMIT - found.length);
        found.push(...page.coupons);
        cursor = page.next;
        if (cursor === null) break;
      }
      setCoupons((before) => [...before, ...found]);
      setNext(cursor);
    } catch (failure) {
      setError(failure);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(null), [api, campaign]);
  const revoke = async (code: string): Promise<void> => {
    if (!confirm(`Revoke coupon ${code}? The POS refuses it from now on; receipts that used it stay.`)) return;
    setError(undefined);
    try {
      await api.revokeCoupon(code, newClientId(Date.now()));
      const fresh = await api.coupon(code);
      setCoupons((before) => before.map((coupon) => (coupon.code === code ? fresh : coupon)));
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <div class="coupons">
      <h3>Coupons</h3>
      <ErrorBox error={error} />
      {next !== undefined && coupons.length === 0 && next === null && <Empty>No coupons issued for this campaign.</Empty>}
      {coupons.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Coupons">
            <thead><tr><th>Code</th><th>Member</th><th>State</th><th>Uses left</th><th>Valid until</th>{mayChange && <th>Actions</th>}</tr></thead>
            <tbody>
              {coupons.map((coupon) => <CouponRow key={coupon.code} coupon={coupon} revoke={mayChange ? () => void revoke(coupon.code) : undefined} />)}
            </tbody>
          </table>
        </div>
      )}
      {loading && <p>Loading coupons…</p>}
      {!loading && next !== undefined && next !== null && <button type="button" onClick={() => void load(next)}>More coupons</button>}
      {!loading && next === undefined && error !== undefined && <button type="button" onClick={() => void load(null)}>Try again</button>}
    </div>
  );
}

/** A coupon; `revoke` absent: the role may not revoke (no Actions column); a revoked coupon has nothing to revoke. */
function CouponRow({ coupon, revoke }: { readonly coupon: CouponView; readonly revoke: (() => void) | undefined }) {
  return (
    <tr data-coupon={coupon.code}>
      <td><code>{coupon.code}</code></td>
      <td>{coupon.member ?? "anyone"}</td>
      <td data-testid="coupon-state">{coupon.state}</td>
      <td>{coupon.usesLeft} of {coupon.uses}</td>
      <td>{formatTime(coupon.validUntil)}</td>
      {revoke !== undefined && <td>{coupon.state !== "revoked" && <button type="button" class="danger" onClick={revoke}>Revoke</button>}</td>}
    </tr>
  );
}
