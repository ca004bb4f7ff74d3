// Thread: the gateway (main) thread: the members' survey pages under /s/ (docs/surveys.md, "The page").
import type uWS from "uWebSockets.js";
import type { SurveyPage, SurveyPages } from "../surveys/survey-pages.js";
import { surveyRefusalHtml } from "../surveys/survey-html.js";
import { HTTP_STATUS_BY_CODE } from "../../protocol/errors/error-codes.js";

/**
 * A submitted form's bytes at most: every question of a survey answered at
 * its longest (50 texts of 2,000 UTF-8 bytes), percent-encoded (up to three
 * characters a byte), with room for the names.
 */
export const SURVEY_FORM_BYTES_MAX = 512 * 1024;

/**
 * Headers of every survey page: never cached (it is one member's), no
 * referrer (the link is the member's credential and must not leak to another
 * site), no script, no framing, forms posting back here only.
 */
const PAGE_HEADERS: readonly (readonly [string, string])[] = [
  ["content-type", "text/html; charset=utf-8"],
  ["cache-control", "no-store"],
  ["referrer-policy", "no-referrer"],
  ["x-content-type-options", "nosniff"],
  ["content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"],
];

/** `GET /s/<token>` shows the member's survey; `POST /s/<token>` (a form, url-encoded) answers it. */
export function registerSurveyPages(app: uWS.TemplatedApp, pages: SurveyPages): void {
  app.get("/s/:token", (response, request) => {
    const token = request.getParameter(0) ?? "";
    const page = answerOnce(response);
    void pages.show(token).then(page.send, page.failed);
  });
  app.post("/s/:token", (response, request) => {
    const token = request.getParameter(0) ?? "";
    const contentType = request.getHeader("content-type").split(";")[0]?.trim().toLowerCase();
    const page = answerOnce(response);
    if (contentType !== "application/x-www-form-urlencoded") {
      page.send({ status: HTTP_STATUS_BY_CODE.UNSUPPORTED_MEDIA_TYPE, html: surveyRefusalHtml("UNSUPPORTED_MEDIA_TYPE", "Send the survey's form (application/x-www-form-urlencoded).") });
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    response.onData((chunk, isLast) => {
      received += chunk.byteLength;
      if (received > SURVEY_FORM_BYTES_MAX) {
        page.send({ status: HTTP_STATUS_BY_CODE.TOO_LARGE, html: surveyRefusalHtml("TOO_LARGE", `The answers must be at most ${SURVEY_FORM_BYTES_MAX} bytes.`) });
        return;
      }
      // The chunk's memory belongs to uWS and is reused after this callback: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) void pages.submit(token, formFields(Buffer.concat(chunks).toString("utf8"))).then(page.send, page.failed);
    });
  });
}

/** A form's fields by name, each with its values in order. */
function formFields(body: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(body)) {
    const values = fields.get(name);
    if (values === undefined) fields.set(name, [value]);
    else values.push(value);
  }
  return fields;
}

/** Sends one page on `response` at most once, nothing after the client went away. */
function answerOnce(response: uWS.HttpResponse): { send: (page: SurveyPage) => void; failed: (error: unknown) => void } {
  let done = false;
  response.onAborted(() => {
    done = true;
  });
  const send = (page: SurveyPage): void => {
    if (done) return;
    done = true;
    response.cork(() => {
      response.writeStatus(String(page.status));
      for (const [name, value] of PAGE_HEADERS) response.writeHeader(name, value);
      response.end(page.html);
    });
  };
  const failed = (error: unknown): void => {
    process.stderr.write(`survey page: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    send({ status: HTTP_STATUS_BY_CODE.INTERNAL, html: surveyRefusalHtml("INTERNAL", "Something went wrong; please try again later.") });
  };
  return { send, failed };
}
