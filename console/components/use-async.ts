import { useCallback, useEffect, useState } from "preact/hooks";

export type AsyncState<Value> =
  | { readonly state: "loading" }
  | { readonly state: "done"; readonly value: Value }
  | { readonly state: "failed"; readonly error: unknown };

/** Runs `load` when `keys` change (and on `reload()`), keeping the latest answer or refusal. */
export function useAsync<Value>(load: () => Promise<Value>, keys: readonly unknown[]): [AsyncState<Value>, () => void] {
  const [state, setState] = useState<AsyncState<Value>>({ state: "loading" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState({ state: "loading" });
    load().then(
      (value) => current && setState({ state: "done", value }),
      (error: unknown) => current && setState({ state: "failed", error }),
    );
    return () => {
      current = false;
    };
  }, [...keys, round]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  return [state, reload];
}
