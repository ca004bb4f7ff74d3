// Thread: any; pure domain (no I/O, no clock).
import type { TriggerKind } from "../../protocol/campaign-document.js";
import type { CompiledCampaign } from "./compiled-campaign.js";

/** One active campaign's trigger, prepared: what fires it and what it gives (docs/campaigns.md, "Triggers"). */
export interface CompiledTrigger {
  readonly campaign: CompiledCampaign;
  readonly kind: TriggerKind;
  readonly points: number;
  /** Days its points live: the trigger's, else the campaign's; null: the program's lifetime. */
  readonly lifetimeDays: number | null;
  /** statusReached: the status level; else null. */
  readonly status: string | null;
  /** oneTime: the local date "YYYY-MM-DD"; else null. */
  readonly date: string | null;
}

/** The triggers of the active campaigns, by what fires them; each list empty when none (the cheap checks). */
export interface CompiledTriggers {
  readonly enrolment: readonly CompiledTrigger[];
  readonly statusReached: readonly CompiledTrigger[];
  /** birthday and registrationAnniversary: walked by the month-day index (shard/trigger-walk.ts). */
  readonly memberDates: readonly CompiledTrigger[];
  readonly oneTime: readonly CompiledTrigger[];
}

export const NO_TRIGGERS: CompiledTriggers = Object.freeze({ enrolment: [], statusReached: [], memberDates: [], oneTime: [] });

/** Whether any trigger of `triggers` is for a member date: the month-day index is then kept and walked. */
export function needsDateIndex(triggers: CompiledTriggers): boolean {
  return triggers.memberDates.length > 0;
}

/** The record id that says a trigger fired for a member (once per campaign, and per year for dates): its idempotency key. */
export function triggerRecordId(campaign: string, occurrence: string): string {
  return `trigger ${campaign} ${occurrence}`;
}

/**
 * A trigger's lot reference, as JSON: [kind, occurrence, "campaign:<id>"]
 * (a receipt's campaign lot says [store, receipt, "campaign:<id>"]).
 */
export function triggerLotReference(trigger: CompiledTrigger, occurrence: string): string {
  return JSON.stringify([trigger.kind, occurrence, trigger.campaign.rule]);
}

/** Splits prepared triggers by kind. */
export function groupTriggers(triggers: readonly CompiledTrigger[]): CompiledTriggers {
  if (triggers.length === 0) return NO_TRIGGERS;
  return {
    enrolment: triggers.filter((trigger) => trigger.kind === "enrolment"),
    statusReached: triggers.filter((trigger) => trigger.kind === "statusReached"),
    memberDates: triggers.filter((trigger) => trigger.kind === "birthday" || trigger.kind === "registrationAnniversary"),
    oneTime: triggers.filter((trigger) => trigger.kind === "oneTime"),
  };
}
