import { useRef, useState } from "preact/hooks";
import type { Campaign, CampaignSet, Segment } from "../../protocol/campaign-document.js";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { formatInstant, formatPeriod, mechanicsSummary, stateActions, triggerSummary } from "../logic/campaign-summary.js";
import { CampaignDetail } from "./campaign-detail.js";
import { SegmentPreviewSection } from "./segment-preview.js";
import { useAction } from "../components/use-action.js";

/**
 * Campaigns (docs/campaigns.md): the current campaigns document's campaigns with their state changes,
 * one campaign's budget and coupons, and a segment's preview with its progress. Every role reads;
 * `mayChange` (the permission `program`) shows the actions.
 */
export function CampaignsPage({ api, mayChange }: { readonly api: AdminApi; readonly mayChange: boolean }) {
  const [document, reload] = useAsync(() => api.campaigns(), [api]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [act, error] = useAction(reload);
  // The document as last loaded stays on the page while it reloads (after a state change), so the campaign shown and a running preview keep their state.
  const loaded = useRef<CampaignSet | undefined>(undefined);
  if (document.state === "done") loaded.current = document.value;
  const campaigns = loaded.current?.campaigns ?? [];
  const segments = loaded.current?.segments ?? [];
  const shown = campaigns.find((campaign) => campaign.id === selected);
  return (
    <section aria-labelledby="campaigns-heading">
      <h1 id="campaigns-heading">Campaigns</h1>
      <p class="hint">
        The campaigns document{loaded.current !== undefined && loaded.current.version > 0 ? `, version ${loaded.current.version}` : ""}: only active campaigns price receipts, within
        their period. The document itself is written through the admin API (<code>PUT /v1/admin/campaigns</code>, docs/campaigns.md).
      </p>
      {document.state === "loading" && loaded.current === undefined && <p>Loading…</p>}
      {document.state === "failed" && <ErrorBox error={document.error} />}
      <ErrorBox error={error} />
      {loaded.current !== undefined && (campaigns.length === 0 ? <Empty>No campaigns yet.</Empty> : (
        <div class="table-wrap">
          <table aria-label="Campaigns">
            <thead><tr><th>Campaign</th><th>Name</th><th>State</th><th>Period</th><th>Audience</th><th>Mechanics</th><th>Trigger</th><th>Actions</th></tr></thead>
            <tbody>
              {campaigns.map((campaign) => (
                <CampaignRow key={campaign.id} campaign={campaign} segments={segments} mayChange={mayChange} act={act} api={api} select={() => setSelected(campaign.id)} />
              ))}
            </tbody>
          </table>
        </div>
      ))}
      {shown !== undefined && <CampaignDetail key={shown.id} api={api} campaign={shown} mayChange={mayChange} />}
      {loaded.current !== undefined && <SegmentPreviewSection api={api} segments={segments} mayPreview={mayChange} />}
    </section>
  );
}

interface RowProps {
  readonly campaign: Campaign;
  readonly segments: readonly Segment[];
  readonly mayChange: boolean;
  readonly api: AdminApi;
  readonly act: (work: () => Promise<unknown>) => Promise<void>;
  readonly select: () => void;
}

function CampaignRow({ campaign, segments, mayChange, api, act, select }: RowProps) {
  const change = (state: Campaign["state"], label: string): void => {
    if (state === "ended" && !confirm(`${label} campaign ${campaign.id}? It stops pricing receipts.`)) return;
    void act(() => api.setCampaignState(campaign.id, state));
  };
  return (
    <tr data-campaign={campaign.id}>
      <td><code>{campaign.id}</code></td>
      <td>{campaign.name}</td>
      <td data-testid="campaign-state">{campaign.state}</td>
      <td class="period" title={formatPeriod(campaign)}><span>{formatInstant(campaign.start)} –</span> <span>{formatInstant(campaign.end)}</span></td>
      <td>{audienceOf(campaign.audience, segments)}</td>
      <td>{mechanicsSummary(campaign)}</td>
      <td>{triggerSummary(campaign.trigger)}</td>
      <td class="actions-cell">
        <button type="button" onClick={select}>Budget and coupons</button>
        {mayChange && stateActions(campaign.state).map((action) => (
          <span key={action.state}>
            {" "}
            <button type="button" onClick={() => change(action.state, action.label)}>{action.label}</button>
          </span>
        ))}
      </td>
    </tr>
  );
}

/** `everyone`, or the segment's name and id. */
function audienceOf(audience: string | null, segments: readonly Segment[]): string {
  if (audience === null) return "everyone";
  const segment = segments.find((each) => each.id === audience);
  return segment === undefined ? audience : `${segment.name} (${audience})`;
}
