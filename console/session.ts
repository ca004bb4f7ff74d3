import type { Principal } from "../protocol/admin-wire.js";

/** The signed-in operator's token and who it acts as, kept for this browser tab only (sessionStorage). */
export interface Session {
  readonly token: string;
  readonly principal: Principal;
}

const SESSION_STORAGE_KEY = "loycore.console.session";

export function loadSession(): Session | undefined {
  try {
    const text = sessionStorage.getItem(SESSION_STORAGE_KEY);
    if (text === null) return undefined;
    const parsed = JSON.parse(text) as Partial<Session>;
    return typeof parsed.token === "string" && typeof parsed.principal === "object" && parsed.principal !== null ? (parsed as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session === undefined) sessionStorage.removeItem(SESSION_STORAGE_KEY);
  else sessionStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
}
