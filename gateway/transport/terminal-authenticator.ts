import type { ControlStore, TerminalRecord } from "../control/control-store.js";
import { hashToken, sameHash } from "../control/tokens.js";
import type { Terminal } from "../operations/operation-outcome.js";

/**
 * Token -> terminal, from memory. Tokens are stored hashed; the cache is
 * loaded at start-up and updated when the admin API creates, revokes or
 * re-keys a terminal, so authentication never touches the disk.
 *
 * A terminal has at most one valid token: the one whose hash its record
 * holds. Revoking it or issuing a new token tells every listener (the
 * WebSocket transport closes that terminal's connections), so a token stops
 * working on open connections too, not only on new ones.
 */
export class TerminalAuthenticator {
  private readonly byHash = new Map<string, Terminal>();
  private readonly hashById = new Map<string, string>();
  private readonly credentialListeners: ((terminalId: string) => void)[] = [];
  private adminTokenHash: string | undefined;

  constructor(control: ControlStore) {
    for (const terminal of control.allTerminals()) this.remember(terminal);
    this.adminTokenHash = control.readSetting<string>("adminTokenHash");
  }

  /** Makes the record's token the terminal's only valid one (none if it is revoked). */
  remember(terminal: TerminalRecord): void {
    const previous = this.hashById.get(terminal.id);
    if (previous !== undefined) {
      this.byHash.delete(previous);
      this.hashById.delete(terminal.id);
    }
    if (terminal.revokedAt === undefined) {
      this.byHash.set(terminal.tokenHash, { id: terminal.id, store: terminal.store, partner: terminal.partner });
      this.hashById.set(terminal.id, terminal.tokenHash);
    }
    const withdrawn = previous !== undefined && (terminal.revokedAt !== undefined || previous !== terminal.tokenHash);
    if (withdrawn) for (const listener of this.credentialListeners) listener(terminal.id);
  }

  /** Called with a terminal's id when its token stops working (revoked or replaced). */
  onCredentialsWithdrawn(listener: (terminalId: string) => void): void {
    this.credentialListeners.push(listener);
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
