/**
 * The open-loop load's arrival profile: the rate rises linearly from 0 to `rate` over `rampSeconds`,
 * stays at `rate` for `plateauSeconds`, and falls linearly back to 0 over `rampSeconds`. Arrival k
 * (k = 0, 1, ...) is scheduled at the time the profile's cumulative count of arrivals reaches k + 1/2,
 * computed exactly (the inverse of the integral of the rate), so no timer resolution or client delay
 * shifts the intended times.
 */
export interface ArrivalProfile {
  /** Plateau rate, arrivals per second. */
  readonly rate: number;
  readonly rampSeconds: number;
  readonly plateauSeconds: number;
}

export function profileDurationSeconds(profile: ArrivalProfile): number {
  return 2 * profile.rampSeconds + profile.plateauSeconds;
}

/** Arrivals the whole profile schedules (its integral). */
export function profileArrivals(profile: ArrivalProfile): number {
  return Math.floor(profile.rate * (profile.rampSeconds + profile.plateauSeconds));
}

/** Rate at `seconds` from the start. */
export function rateAt(profile: ArrivalProfile, seconds: number): number {
  const { rate, rampSeconds, plateauSeconds } = profile;
  if (seconds < 0 || seconds > profileDurationSeconds(profile)) return 0;
  if (seconds < rampSeconds) return (rate * seconds) / rampSeconds;
  if (seconds <= rampSeconds + plateauSeconds) return rate;
  return (rate * (2 * rampSeconds + plateauSeconds - seconds)) / rampSeconds;
}

/** Intended time of arrival `index`, seconds from the start of the profile. */
export function arrivalSeconds(profile: ArrivalProfile, index: number): number {
  const { rate, rampSeconds, plateauSeconds } = profile;
  const count = index + 0.5;
  const rampArrivals = (rate * rampSeconds) / 2;
  if (count <= rampArrivals && rampSeconds > 0) return Math.sqrt((2 * rampSeconds * count) / rate);
  const afterRamp = count - rampArrivals;
  const plateauArrivals = rate * plateauSeconds;
  if (afterRamp <= plateauArrivals || rampSeconds === 0) return rampSeconds + afterRamp / rate;
  const intoRampDown = afterRamp - plateauArrivals;
  // rate*t - rate*t^2/(2R) = intoRampDown  =>  t = R (1 - sqrt(1 - 2 intoRampDown / (rate R)))
  const root = Math.max(0, 1 - (2 * intoRampDown) / (rate * rampSeconds));
  return rampSeconds + plateauSeconds + rampSeconds * (1 - Math.sqrt(root));
}
