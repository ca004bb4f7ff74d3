import { failure } from "../../protocol/errors/loycore-error.js";
import type { Operator, OperatorPage, Principal, SignInResult } from "../../protocol/admin-wire.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { readObject, readString, refuseUnknownFields } from "../../domain/validation/fields.js";
import type { ControlStore, OperatorRecord } from "../control/control-store.js";
import { hashPassword, verifyPassword } from "../control/operator-passwords.js";
import { generateSessionKey, isSessionToken, SESSION_LIFETIME_MILLISECONDS, signSessionToken, verifySessionToken } from "../control/session-tokens.js";
import type { TerminalAuthenticator } from "../transport/terminal-authenticator.js";
import type { AdminOutcome } from "./admin-service.js";
import { isOperatorRole, OPERATOR_ROLES } from "./operator-roles.js";

/** Shorter passwords fall to a guessing run even through scrypt; twelve characters is NIST's floor for people who choose their own plus margin. */
const PASSWORD_LENGTH_MIN = 12;
/** A passphrase, not a document: scrypt's input is bounded too. */
const PASSWORD_LENGTH_MAX = 200;
/**
 * Sign-ins hashing at once: each is 32 MiB and a few hundred milliseconds of a libuv thread, and the
 * pool (4 threads) also serves file I/O. Beyond this a sign-in answers BUSY at once.
 */
const SIGN_INS_IN_FLIGHT_MAX = 2;
/** Control-store setting holding the HMAC key of session tokens; made at the first sign-in. */
const SESSION_KEY_SETTING = "operatorSessionKey";
/** The admin token acts as this operator when the write names none (`x-operator`). */
const ADMIN_TOKEN_OPERATOR = "admin";
const LIST_PAGE_SIZE_MAX = 500;
const LIST_PAGE_SIZE_DEFAULT = 50;

/**
 * Named operators of the admin API: who may act (the admin token, or an
 * operator's signed session token) and as what role; creating, listing and
 * disabling operators; signing in. No session state: tokens are signed.
 */
export class Operators {
  private signInsInFlight = 0;
  /** Compared against when the name is unknown, so a wrong name costs the same time as a wrong password. */
  private decoyHash: Promise<string> | undefined;
  private sessionKeyWritten: Promise<string> | undefined;

  constructor(
    private readonly control: ControlStore,
    private readonly authenticator: TerminalAuthenticator,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Who the bearer token acts as; undefined when it is neither the admin token nor a live operator's session. */
  principalOf(token: string | undefined, namedOperator: string): Principal | undefined {
    if (token === undefined) return undefined;
    if (!isSessionToken(token)) {
      if (!this.authenticator.isAdmin(token)) return undefined;
      return { name: namedOperator.length === 0 ? ADMIN_TOKEN_OPERATOR : namedOperator, role: "admin", via: "admin-token" };
    }
    const key = this.control.readSetting<string>(SESSION_KEY_SETTING);
    const name = key === undefined ? undefined : verifySessionToken(key, token, this.clock());
    const record = name === undefined ? undefined : this.control.readOperator(name);
    if (record === undefined || record.disabledAt !== undefined) return undefined;
    return { name: record.name, role: record.role, via: "session" };
  }

  /** Name and password for a session token; a wrong name or password is UNAUTHORIZED, alike. */
  async signIn(input: unknown): Promise<AdminOutcome<SignInResult>> {
    const document = readObject(input, "sign-in");
    refuseUnknownFields(document, "sign-in", new Set(["name", "password"]));
    const name = readString(document["name"], "sign-in.name", CLIENT_IDENTIFIER_LENGTH_MAX);
    const password = readString(document["password"], "sign-in.password", PASSWORD_LENGTH_MAX);
    if (this.signInsInFlight >= SIGN_INS_IN_FLIGHT_MAX) return failure("BUSY", "too many sign-ins at once; try again in a second");
    this.signInsInFlight += 1;
    try {
      const record = this.control.readOperator(name);
      const matches = await verifyPassword(password, record?.passwordHash ?? (await this.decoy()));
      if (record === undefined || !matches || record.disabledAt !== undefined) return failure("UNAUTHORIZED", "wrong operator name or password");
      const expiresAt = this.clock() + SESSION_LIFETIME_MILLISECONDS;
      const token = signSessionToken(await this.sessionKey(), record.name, expiresAt);
      return { ok: true, value: { token, expiresAt, operator: operatorView(record) } };
    } finally {
      this.signInsInFlight -= 1;
    }
  }

  async create(input: unknown, createdBy: string): Promise<AdminOutcome<Operator>> {
    const document = readObject(input, "operator");
    refuseUnknownFields(document, "operator", new Set(["name", "role", "password"]));
    const name = readString(document["name"], "operator.name", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
    const role = document["role"];
    if (!isOperatorRole(role)) return failure("BAD_REQUEST", `operator.role must be one of ${OPERATOR_ROLES.join(", ")}`);
    const password = readString(document["password"], "operator.password", PASSWORD_LENGTH_MAX);
    if (password.length < PASSWORD_LENGTH_MIN) return failure("BAD_REQUEST", `operator.password must be at least ${PASSWORD_LENGTH_MIN} characters`);
    if (this.control.readOperator(name) !== undefined) return failure("CONFLICT", `operator ${name} already exists`);
    const record: OperatorRecord = { name, role, passwordHash: await hashPassword(password), createdAt: this.clock(), createdBy };
    // Hashing took a while: another request may have made the same name meanwhile.
    if (this.control.readOperator(name) !== undefined) return failure("CONFLICT", `operator ${name} already exists`);
    await this.control.writeOperator(record, { at: record.createdAt, action: "create-operator", operator: createdBy, detail: { name, role } });
    return { ok: true, value: operatorView(record) };
  }

  /** Disables an operator: their password and live sessions are refused from now on. A repeat answers the same. */
  async disable(name: string, by: string): Promise<AdminOutcome<Operator>> {
    const record = this.control.readOperator(name);
    if (record === undefined) return failure("NOT_FOUND", `no operator ${name}`);
    if (record.disabledAt !== undefined) return { ok: true, value: operatorView(record) };
    const disabled: OperatorRecord = { ...record, disabledAt: this.clock() };
    await this.control.writeOperator(disabled, { at: this.clock(), action: "disable-operator", operator: by, detail: { name } });
    return { ok: true, value: operatorView(disabled) };
  }

  list(after: string | undefined, limit: string | undefined): AdminOutcome<OperatorPage> {
    const size = limit === undefined ? LIST_PAGE_SIZE_DEFAULT : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > LIST_PAGE_SIZE_MAX) return failure("BAD_REQUEST", `limit must be an integer from 1 to ${LIST_PAGE_SIZE_MAX}`);
    const { items, next } = this.control.listOperators(after ?? null, size);
    return { ok: true, value: { operators: items.map(operatorView), next } };
  }

  /** The node's session key, made once: two first sign-ins at once share the one being written. */
  private sessionKey(): Promise<string> {
    const existing = this.control.readSetting<string>(SESSION_KEY_SETTING);
    if (existing !== undefined) return Promise.resolve(existing);
    this.sessionKeyWritten ??= (async () => {
      const key = generateSessionKey();
      await this.control.writeSetting(SESSION_KEY_SETTING, key);
      return key;
    })();
    return this.sessionKeyWritten;
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= hashPassword(generateSessionKey());
    return this.decoyHash;
  }
}

/** An operator as the admin API shows it: never the password hash. */
function operatorView(record: OperatorRecord): Operator {
  return {
    name: record.name,
    role: record.role,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    ...(record.disabledAt === undefined ? {} : { disabledAt: record.disabledAt }),
  };
}
