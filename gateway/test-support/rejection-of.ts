import { LoycoreClientError } from "../../client/index.js";

/** The rejection of a promise that must reject, as a LoycoreClientError; anything else fails the test. */
export async function rejectionOf(promise: Promise<unknown>): Promise<LoycoreClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LoycoreClientError) return error;
    throw error;
  }
  throw new Error("expected the promise to reject");
}
