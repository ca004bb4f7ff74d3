import { rm } from "node:fs/promises";
import type { SyntheticHistoryStored } from "../../tools/import/member-builder.js";
import { startGatewayOnDataDirectory } from "../gateway-process.js";
import type { StartedGatewayOnDataDirectory } from "../gateway-process.js";
import type { DatasetOptions } from "./dataset-flags.js";
import { prepareDataset } from "./prepare-dataset.js";
import type { PreparedDataset } from "./prepare-dataset.js";
import type { ScenarioResult } from "./scenario-result.js";
import { applyProgramPatch, readCampaignsDocument, readProgramPatch, storeCampaigns } from "./program-patch.js";
import { ProcessSampler } from "./server-sampler.js";
import { joinFamilies } from "./family-setup.js";

/**
 * A loycore gateway the kit starts for a scenario: its members are imported first with the offline
 * bulk importer (into a temporary data directory, or into --data-dir, which keeps what an earlier run
 * imported), then the gateway starts over that directory. Enrolling members through a running server
 * instead would take minutes for 100,000 and hours for 10M.
 */

/**
 * Demo members the gateway seeds over the dataset with --demo (it also creates the demo program,
 * terminal and store if missing). The import numbers its members like the demo, so these exist already
 * and seeding only reads them; load uses the imported numbering, demoCard(1..members).
 */
export const DATASET_DEMO_MEMBERS = 5;

const BYTES_PER_MEBIBYTE = 2 ** 20;

export type DatasetFigures = NonNullable<ScenarioResult["dataset"]>;

export interface StartedLoycore {
  readonly gateway: StartedGatewayOnDataDirectory;
  readonly dataset: PreparedDataset;
  /** Import and start-up figures for ScenarioResult.dataset. */
  readonly figures: DatasetFigures;
  /** Stops the gateway, then removes the data directory unless it was given (--data-dir). */
  stop(): Promise<void>;
}

export async function startLoycoreWithMembers(
  options: DatasetOptions & { readonly history?: SyntheticHistoryStored },
  progress: (line: string) => void,
): Promise<StartedLoycore> {
  progress(
    `importing members 1..${options.members} into ${options.dataDirectory ?? "a temporary data directory"} (bulk importer, ${options.importThreads} thread(s); members already there are skipped)...`,
  );
  const dataset = await prepareDataset({
    members: options.members,
    dataDirectory: options.dataDirectory,
    importThreads: options.importThreads,
    ...(options.history === undefined ? {} : { history: options.history }),
    onProgress: (step) =>
      progress(`import: ${step.imported + step.existing}/${step.total ?? "?"} members, ${Math.round(step.membersPerSecond)} members/s, ${step.seconds.toFixed(0)} s`),
  });
  const removeTemporary = async (): Promise<void> => {
    if (dataset.temporary) await rm(dataset.dataDirectory, { recursive: true, force: true });
  };
  progress(
    `import: ${dataset.imported} new, ${dataset.existing} already there, ${dataset.importSeconds.toFixed(1)} s (${Math.round(dataset.membersPerSecond)} members/s); starting the gateway...`,
  );
  let gateway: StartedGatewayOnDataDirectory;
  try {
    gateway = await startGatewayOnDataDirectory({ dataDirectory: dataset.dataDirectory, demoMembers: Math.min(DATASET_DEMO_MEMBERS, options.members) });
  } catch (error) {
    await removeTemporary();
    throw error;
  }
  const reading = await new ProcessSampler(gateway.pid).read();
  const figures: DatasetFigures = {
    members: options.members,
    importSeconds: dataset.importSeconds,
    membersPerSecond: dataset.membersPerSecond,
    serverStartSeconds: Math.round(gateway.startSeconds * 1000) / 1000,
    serverRssMebibytesAfterStart: reading === null ? null : Math.round((reading.rssBytes / BYTES_PER_MEBIBYTE) * 10) / 10,
  };
  progress(`loycore gateway ${gateway.url} (pid ${gateway.pid}) started in ${figures.serverStartSeconds} s, RSS ${figures.serverRssMebibytesAfterStart ?? "?"} MiB`);
  try {
    await configureForRun(gateway, options, progress);
  } catch (error) {
    await gateway.stop();
    await removeTemporary();
    throw error;
  }
  return {
    gateway,
    dataset,
    figures,
    stop: async () => {
      try {
        await gateway.stop();
      } finally {
        await removeTemporary();
      }
    },
  };
}

/** --program-file, --campaigns-file and --family-share: what the started gateway runs, set through its admin API before the run. */
async function configureForRun(gateway: StartedGatewayOnDataDirectory, options: DatasetOptions, progress: (line: string) => void): Promise<void> {
  const adminToken = gateway.adminToken ?? "";
  if (options.programFile !== null) {
    const version = await applyProgramPatch(gateway.url, adminToken, await readProgramPatch(options.programFile));
    progress(`program: the sections of ${options.programFile} set on the demo program, now version ${version}`);
  }
  if (options.campaignsFile !== null) {
    const version = await storeCampaigns(gateway.url, adminToken, await readCampaignsDocument(options.campaignsFile));
    progress(`campaigns: ${options.campaignsFile} stored as version ${version}`);
  }
  if (options.familyShare > 0) {
    const joined = await joinFamilies(gateway.url, adminToken, options.members, options.familyShare, progress);
    progress(`families: ${joined} members in families of two`);
  }
}
