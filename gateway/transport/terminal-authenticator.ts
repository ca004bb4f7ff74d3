import type { ControlStore, TerminalRecord } from "../control/control-store.js";
import { hashToken, sameHash } from "../control/tokens.js";
import type { Terminal } from "../operations/operation-outcome.js";

/**
 * Token -> terminal, from memory. Tokens are stored hashed; the cache is
 * loaded at start-up and updated when the admin API creates a terminal, so
 * authentication never touches the disk.
 */
export class TerminalAuthenticator {
  private readonly byHash = new Map<string, Terminal>();
  private adminTokenHash: string | undefined;

  constructor(control: ControlStore) {
    for (const terminal of control.allTerminals()) this.remember(terminal);
    this.adminTokenHash = control.readSetting<string>("adminTokenHash");
  }

  remember(terminal: TerminalRecord): void {
    this.byHash.set(terminal.tokenHash, { id: terminal.id, store: terminal.store, partner: terminal.partner });
  }

  setAdminTokenHash(hash: string): void {
    this.adminTokenHash = hash;
  }

  terminalFor(token: string | undefined): Terminal | undefined {
    if (token === undefined) return undefined;
    return this.byHash.get(hashToken(token));
  }

  isAdmin(token: string | undefined): boolean {
    if (token === undefined || this.adminTokenHash === undefined) return false;
    return sameHash(hashToken(token), this.adminTokenHash);
  }
}
