import type { ProgramProblem } from "../../protocol/admin-wire.js";

/** A refusal of the admin API (or of the network), always with a code and a message to show as they are. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** The program validator's problems, when the refusal is of a program document. */
    readonly problems: readonly ProgramProblem[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The coded refusal in an answer's body, or an INTERNAL one naming the HTTP status when the body is not a loycore answer. */
export function apiErrorOf(status: number, body: unknown): ApiError {
  if (typeof body === "object" && body !== null) {
    const { code, message, problems } = body as { code?: unknown; message?: unknown; problems?: unknown };
    if (typeof code === "string" && typeof message === "string") return new ApiError(code, message, status, problemsOf(problems));
  }
  return new ApiError("INTERNAL", `the server answered HTTP ${status} without a loycore error`, status);
}

function problemsOf(value: unknown): readonly ProgramProblem[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is ProgramProblem => typeof item === "object" && item !== null && typeof (item as ProgramProblem).path === "string" && typeof (item as ProgramProblem).message === "string",
  );
}
