import { cpus, loadavg, totalmem } from "node:os";
import type { MachineDescription } from "./scenario-result.js";

/** The machine a run came from, recorded in every ScenarioResult: figures mean little without it. */
export function describeMachine(): MachineDescription {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? "unknown",
    cores: processors.length,
    totalMemoryGibibytes: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    nodeVersion: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}
