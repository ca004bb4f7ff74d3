import { useState } from "preact/hooks";

/**
 * An operator's action on a page: `act(work)` clears the last refusal, runs
 * the work, then `after` (the page's reload); a refusal is kept for the page
 * to show (an ErrorBox), nothing is reloaded.
 */
export function useAction(after: () => void): [act: (work: () => Promise<unknown>) => Promise<void>, error: unknown] {
  const [error, setError] = useState<unknown>(undefined);
  const act = async (work: () => Promise<unknown>): Promise<void> => {
    setError(undefined);
    try {
      await work();
      after();
    } catch (failure) {
      setError(failure);
    }
  };
  return [act, error];
}
