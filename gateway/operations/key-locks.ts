/**
 * Serialises work per key on one thread: `run(keys, work)` starts `work` once
 * every earlier work holding any of the same keys has finished. Used so that
 * two lanes enrolling the same card (or phone) at once are handled one after
 * the other, while enrolments of different cards go in parallel.
 */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  get heldKeys(): number {
    return this.tails.size;
  }

  async run<Result>(keys: readonly string[], work: () => Promise<Result>): Promise<Result> {
    const earlier = keys.map((key) => this.tails.get(key)).filter((tail) => tail !== undefined);
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    for (const key of keys) this.tails.set(key, done);
    try {
      await Promise.all(earlier);
      return await work();
    } finally {
      finish();
      for (const key of keys) if (this.tails.get(key) === done) this.tails.delete(key);
    }
  }
}
