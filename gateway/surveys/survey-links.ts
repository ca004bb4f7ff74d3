// Thread: the gateway (main) thread.
import { randomBytes } from "node:crypto";
import { surveyLinkKey, surveySignatureValid, surveyTokenParts } from "../../domain/surveys/survey-token.js";
import type { ControlStore } from "../control/control-store.js";

/** The control store's setting holding the node's survey secret, made at the first invitation. */
const SURVEY_SECRET_SETTING = "surveyLinkSecret";
/** 32 random bytes: a link key is as hard to guess as a 256-bit key. */
const SURVEY_SECRET_BYTES = 32;

/**
 * Members' personal survey links (domain/surveys/survey-token.ts): the node's
 * secret, each survey's link key derived from it, and the check of a token a
 * page request presents. Nothing per member is stored: the token is the credential.
 */
export class SurveyLinks {
  private secretWritten: Promise<string> | undefined;

  constructor(
    private readonly control: ControlStore,
    private readonly publicUrl: () => string,
  ) {}

  /** The URL a token is appended to: `<public URL>/s/`. */
  base(): string {
    return `${this.publicUrl().replace(/\/+$/, "")}/s/`;
  }

  /** The survey's link key (the secret is made and stored durably at the first call). */
  async keyOf(surveyId: string): Promise<string> {
    return surveyLinkKey(await this.secret(), surveyId);
  }

  /** The survey and member of a genuine token; null for anything else (malformed, forged, before any secret exists). */
  verify(token: string): { readonly surveyId: string; readonly memberId: string } | null {
    const parts = surveyTokenParts(token);
    const secret = this.control.readSetting<string>(SURVEY_SECRET_SETTING);
    if (parts === null || secret === undefined) return null;
    return surveySignatureValid(surveyLinkKey(secret, parts.surveyId), parts.memberId, parts.signature) ? { surveyId: parts.surveyId, memberId: parts.memberId } : null;
  }

  /** Two first invitations at once share the secret being written. */
  private secret(): Promise<string> {
    const existing = this.control.readSetting<string>(SURVEY_SECRET_SETTING);
    if (existing !== undefined) return Promise.resolve(existing);
    this.secretWritten ??= (async () => {
      const secret = randomBytes(SURVEY_SECRET_BYTES).toString("base64url");
      await this.control.writeSetting(SURVEY_SECRET_SETTING, secret);
      return secret;
    })();
    return this.secretWritten;
  }
}
