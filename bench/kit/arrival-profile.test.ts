import { describe, expect, it } from "vitest";
import { arrivalSeconds, profileArrivals, profileDurationSeconds } from "./arrival-profile.js";

describe("arrival profile", () => {
  const profile = { rate: 1_000, rampSeconds: 2, plateauSeconds: 3 };

  it("schedules arrivals at the plateau rate and fewer on the ramps, in order, within the profile", () => {
    const total = profileArrivals(profile);
    expect(total).toBe(5_000);
    const times = Array.from({ length: total }, (_, index) => arrivalSeconds(profile, index));
    const perSecond = Array.from({ length: profileDurationSeconds(profile) }, (_, second) => times.filter((time) => time >= second && time < second + 1).length);
    // Ramp up 0->500->1000: 250 then 750 arrivals; plateau 1,000 a second; ramp down mirrors.
    expect(perSecond).toEqual([250, 750, 1_000, 1_000, 1_000, 750, 250]);
    for (let index = 1; index < times.length; index += 1) expect(times[index]!).toBeGreaterThan(times[index - 1]!);
    expect(times.at(-1)!).toBeLessThan(profileDurationSeconds(profile));
  });

  it("spaces arrivals evenly without ramps", () => {
    const flat = { rate: 100, rampSeconds: 0, plateauSeconds: 1 };
    expect(arrivalSeconds(flat, 0)).toBeCloseTo(0.005, 9);
    expect(arrivalSeconds(flat, 99)).toBeCloseTo(0.995, 9);
  });
});
