// The properties: raw frames, WebSocket and HTTP requests, state and health; runs in the fuzzer's own process, not in the gateway.
/**
 * Protocol fuzzing of a loycore gateway, from the outside, against docs/protocol.md and docs/errors.md.
 *
 * gateway/fuzz.test.ts runs these generators with a small, fixed budget on every `npm test`;
 * `node dist/tools/fuzz/main.js --runs <n> --seed <s>` (npm run test:fuzz) runs the same generators with
 * a large budget against a gateway it starts itself, prints how often each code was answered, and
 * exits 1 on any violation. The properties:
 *
 * 1. Raw WebSocket frames (random bytes, truncated or corrupted msgpack of requests, msgpack that is not
 *    a map, huge ints, NaN and Infinity, deep nesting, long strings, binary blobs, extension types, text
 *    frames, oversized frames): every frame gets exactly one answer, a binary msgpack map
 *    `{id, ok: true, ...}` or `{id, ok: false, code, message}` with a code from ERROR_CODES; `id` is the
 *    frame's when the gateway can read it and null otherwise; the connection stays open.
 * 2. Structured requests for every operation, each made invalid on purpose (wrong types, negative,
 *    fractional, huge, NaN money, unknown and missing fields, long strings, odd unicode, arrays for
 *    objects...) or refused by the domain (unknown card, redeem over the balance, a receipt id used by
 *    another member, a return of more than was bought, a phone that is taken): each is refused with the
 *    code it deserves (BAD_REQUEST for every validation failure), never INTERNAL.
 * 3. The same over HTTP `POST /v1/<op>`, plus invalid JSON, wrong content types and tokens, unknown
 *    operations, oversized and chunked bodies: the status is the code's (docs/errors.md) and the body
 *    `{code, message}` in the request's format.
 * 4. Nothing changes: the demo members' identify, balance (with lots) and admin member view are the same
 *    before and after, and the gateway is still healthy.
 *
 * No valid state-changing request is ever sent, so any accepted write is a violation.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { HTTP_STATUS_BY_CODE, isErrorCode } from "../../protocol/errors/error-codes.js";
import type { ErrorCode } from "../../protocol/errors/error-codes.js";
import { REQUEST_BYTES_MAX } from "../../gateway/transport/limits.js";
import {
  ANY_ANSWER,
  FuzzViolation,
  NESTING_DEPTH_MAX,
  OPERATIONS,
  count,
  describe,
  isOperation,
  isPlainObject,
  refusedWith,
} from "./vocabulary.js";
import type { Expectation, Operation, Tally } from "./vocabulary.js";
import { answerUnpackr, blob, clientPackr, gatewayLikeUnpackr } from "./msgpack.js";
import type { SentinelMember } from "./valid-requests.js";
import { invalidRequestArbitrary } from "./mutations.js";
import type { InvalidRequest } from "./mutations.js";
import { expectedRawAnswer, rawFrameArbitrary } from "./raw-frames.js";
import type { RequestId } from "./raw-frames.js";
import { ANSWER_TIMEOUT_MILLISECONDS, FuzzSocket, checkSocketAnswer, decodeSocketAnswer } from "./websocket-client.js";

interface FuzzBudget {
  readonly runs: number;
  readonly seed: number;
}

export interface FuzzTarget {
  readonly url: string;
  readonly webSocketUrl: string;
  readonly terminalToken: string;
  readonly adminToken: string;
  readonly members: readonly SentinelMember[];
}

function noLeftovers(socket: FuzzSocket, context: string): void {
  const extra = socket.unexpectedAnswers();
  if (extra.length > 0) {
    throw new FuzzViolation(
      `${extra.length} answer(s) nobody asked for ${context}: ${extra.map((answer) => describe(answerUnpackr.unpack(answer.data) as unknown)).join("; ")}`,
    );
  }
}

/**
 * Runs a property; a failure becomes one FuzzViolation with the gateway's misbehaviour, the failing
 * input (abridged: frames can be tens of KiB) and how to replay it. Properties over one connection are
 * not shrunk (`stateful`): after a failure the connection may hold answers that belong to the failing
 * run, and shrinking would blame the next inputs for them.
 */
async function assertProperty<T>(property: fc.IAsyncPropertyWithHooks<[T]>, budget: FuzzBudget, stateful: boolean): Promise<void> {
  const details = await fc.check(property, { numRuns: budget.runs, seed: budget.seed, endOnFailure: stateful });
  if (!details.failed) return;
  const error = details.errorInstance;
  const reason = error instanceof FuzzViolation ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  throw new FuzzViolation(
    `${reason}\n  failing input (run ${details.numRuns}${stateful ? "" : `, shrunk ${details.numShrinks} times`}): ${describe(details.counterexample?.[0], 3_000)}` +
      `\n  replay: seed ${details.seed}, path "${details.counterexamplePath ?? ""}"`,
  );
}

/** Property 1: every raw frame gets exactly one well-formed answer and the connection stays open. */
export async function fuzzRawFrames(socket: FuzzSocket, budget: FuzzBudget, tally: Tally): Promise<void> {
  await assertProperty(
    fc.asyncProperty(rawFrameArbitrary(), async ({ kind, frame }) => {
      noLeftovers(socket, "before the frame");
      const { id, expectation } = expectedRawAnswer(frame);
      socket.send(frame);
      const answer = decodeSocketAnswer(await socket.next());
      const context = `a ${kind} frame of ${frame.length} ${typeof frame === "string" ? "characters" : "bytes"}`;
      if (answer["id"] !== id) throw new FuzzViolation(`answered id ${describe(answer["id"])} to ${context}; expected id ${describe(id)}: ${describe(answer)}`);
      checkSocketAnswer(answer, expectation, tally, context);
      if (!socket.isOpen) throw new FuzzViolation(`the connection closed after ${context}`);
    }),
    budget,
    true,
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  noLeftovers(socket, "after the raw frames");
}

/** Checks a request's after-effects that are not in its answer (a card that must not have been enrolled). */
async function checkAbsentCard(socket: FuzzSocket, card: string | undefined): Promise<void> {
  if (card === undefined) return;
  const answer = await socket.call({ op: "identify", card });
  if (answer["code"] !== "UNKNOWN_CARD") throw new FuzzViolation(`card ${card} exists after its enrolment was refused: ${describe(answer)}`);
}

/** Property 2: pipelined batches of invalid requests of `op`, each refused as expected, answered by id. */
export async function fuzzWebSocketRequests(
  socket: FuzzSocket,
  op: Operation,
  members: readonly SentinelMember[],
  budget: FuzzBudget & { readonly batch: number },
  tally: Tally,
): Promise<void> {
  await assertProperty(
    fc.asyncProperty(fc.array(invalidRequestArbitrary(op, members, "websocket"), { minLength: 1, maxLength: budget.batch }), async (requests) => {
      noLeftovers(socket, "before the batch");
      const pending = new Map<RequestId, InvalidRequest>();
      const unreadable: InvalidRequest[] = [];
      for (const request of requests) {
        const id = socket.newId();
        const frame = clientPackr.pack({ id, ...request.request });
        if (frame.length > REQUEST_BYTES_MAX) unreadable.push({ ...request, expectation: refusedWith("TOO_LARGE") });
        else pending.set(id, request);
        socket.send(frame);
      }
      for (let answered = 0; answered < requests.length; answered += 1) {
        const answer = decodeSocketAnswer(await socket.next());
        const id = answer["id"];
        const request = id === null ? unreadable.shift() : pending.get(id as string | number);
        if (request === undefined) throw new FuzzViolation(`an answer with an id nobody is waiting for: ${describe(answer)}`);
        if (id !== null) pending.delete(id as string | number);
        checkSocketAnswer(answer, request.expectation, tally, `${op} with ${request.notes.join("; ")}`);
      }
      if (!socket.isOpen) throw new FuzzViolation(`the connection closed after ${op} requests`);
      for (const request of requests) await checkAbsentCard(socket, request.absentCard);
    }),
    budget,
    true,
  );
}

// --- HTTP -------------------------------------------------------------------------------------------

/** One HTTP exchange to try, with the answers it may get. */
interface HttpCase {
  readonly method: "POST" | "GET";
  /** The path segment after /v1/, already URL-encoded. */
  readonly op: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** Sent as a chunked stream in this many pieces (0: with a content-length). */
  readonly chunks: number;
  readonly expectation: Expectation;
  /** The format the answer must be in: the request's, when it is one the gateway reads. */
  readonly answerFormat: "json" | "msgpack";
  readonly note: string;
  readonly absentCard?: string;
}

const JSON_CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"];
const MSGPACK_CONTENT_TYPES = ["application/msgpack", "application/vnd.msgpack", "application/x-msgpack", "Application/Vnd.MsgPack; charset=binary"];
const WRONG_CONTENT_TYPES = [
  "text/plain", "text/json", "application/xml", "application/jsonp", "application/json-patch+json", "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=fz", "application/octet-stream", "", "json", "application/*", "*/*", "application/json+msgpack",
];

/**
 * Bodies as a JSON client would write them. NaN and the infinities have no JSON form: written as bare
 * words they make the body invalid JSON. BigInts become long integer literals; binary an array of
 * bytes; dates an object (so that no invalid value turns valid on the way).
 */
function toJsonText(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : String(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (value instanceof Date) return `{"$date":${JSON.stringify(value.toISOString())}}`;
  if (value instanceof Uint8Array) return `[${Array.from(value).join(",")}]`;
  if (Array.isArray(value)) return `[${value.map((item: unknown) => (item === undefined ? "null" : toJsonText(item))).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${toJsonText((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return "null";
}

/** What the gateway may answer a body that reached it, judging the body as the format's parser does. */
function expectationOfRawBody(body: Buffer, format: "json" | "msgpack"): Expectation {
  let fields: unknown;
  if (body.length === 0) fields = {};
  else {
    try {
      fields = format === "json" ? (JSON.parse(body.toString("utf8")) as unknown) : gatewayLikeUnpackr.unpack(body);
    } catch {
      return refusedWith("BAD_REQUEST");
    }
  }
  if (!isPlainObject(fields) || "id" in fields || "op" in fields) return refusedWith("BAD_REQUEST");
  return ANY_ANSWER;
}

function formatOf(contentType: string | undefined): "json" | "msgpack" | undefined {
  if (contentType === undefined) return undefined;
  if (JSON_CONTENT_TYPES.includes(contentType)) return "json";
  if (MSGPACK_CONTENT_TYPES.includes(contentType)) return "msgpack";
  return undefined;
}

interface HttpAuthorization {
  readonly valid: boolean;
  readonly header: string | undefined;
}

/** The terminal's token, mostly; sometimes none, a wrong one, the admin's or another scheme. */
function httpAuthorizationArbitrary(target: FuzzTarget): fc.Arbitrary<HttpAuthorization> {
  return fc.oneof(
    { arbitrary: fc.constant({ valid: true, header: `Bearer ${target.terminalToken}` as string | undefined }), weight: 12 },
    {
      arbitrary: fc.constantFrom<{ valid: boolean; header: string | undefined }>(
        { valid: false, header: undefined },
        { valid: false, header: "Bearer lt_not-a-token" },
        { valid: false, header: `Bearer ${target.adminToken}` },
        { valid: false, header: "Bearer" },
        { valid: false, header: `Basic ${Buffer.from("lane:secret").toString("base64")}` },
        { valid: false, header: `Bearer ${target.terminalToken}x` },
      ),
      weight: 1,
    },
  );
}

/** The path segment after /v1/: an operation, mostly; sometimes a name that is none. */
function httpOperationArbitrary(): fc.Arbitrary<string> {
  const unknownOp = fc
    .oneof(
      fc.constantFrom("transfer", "Identify", "PING", "commit2", "calculate_", "v1", "refunds", "__proto__", "constructor"),
      fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"), minLength: 1, maxLength: 20 }),
      fc.string({ unit: "binary", minLength: 1, maxLength: 8 }).map((text) => encodeURIComponent(text)),
    )
    .filter((name) => !isOperation(name) && !/^[.]+$/.test(name) && name !== "ws" && name !== "admin");
  return fc.oneof({ arbitrary: fc.constantFrom(...OPERATIONS), weight: 12 }, { arbitrary: unknownOp, weight: 1 });
}

function httpContentTypeArbitrary(): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...JSON_CONTENT_TYPES), weight: 8 },
    { arbitrary: fc.constantFrom(...MSGPACK_CONTENT_TYPES), weight: 3 },
    {
      arbitrary: fc.oneof(
        fc.constantFrom<string | undefined>(undefined, ...WRONG_CONTENT_TYPES),
        fc.stringMatching(/^[a-z0-9.+-]{1,20}$/).map((subtype) => `x-fuzz/${subtype}`),
      ),
      weight: 1,
    },
  );
}

/** A body to send and what the gateway may answer it, when nothing before the body is refused. */
interface HttpBody {
  readonly body: Buffer;
  readonly bodyExpectation: Expectation;
  readonly note: string;
  readonly absentCard: string | undefined;
}

/** Invalid requests of `op` in `bodyFormat`, an envelope field in the body, raw and oversized bodies. */
function httpBodyArbitrary(requests: fc.Arbitrary<InvalidRequest>, structuredOp: Operation, bodyFormat: "json" | "msgpack"): fc.Arbitrary<HttpBody> {
  const encode = (fields: Record<string, unknown>): Buffer => (bodyFormat === "json" ? Buffer.from(toJsonText(fields), "utf8") : clientPackr.pack(fields));
  const structured = requests.map(({ request, expectation, notes, absentCard }) => {
    const { op: _op, ...fields } = request;
    return { body: encode(fields), bodyExpectation: expectation, note: notes.join("; "), absentCard };
  });
  const envelope = fc.tuple(requests, fc.constantFrom("id", "op")).map(([{ request }, key]) => {
    const { op: _op, ...fields } = request;
    return { body: encode({ ...fields, [key]: key === "id" ? 1 : structuredOp }), bodyExpectation: refusedWith("BAD_REQUEST"), note: `${key} in the body`, absentCard: undefined };
  });
  const raw = fc
    .oneof(
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ maxLength: 200 }).map((text) => Buffer.from(text, "utf8")),
      fc.constantFrom("", "null", "[]", "1", '"card"', "true", "{", "}", "{}", "{,}", '{"card":}', "{'card':'1'}", '{"card":"1",}', "/* */{}", "\ufeff{}", "NaN", "{\"card\": NaN}").map(
        (text) => Buffer.from(text, "utf8"),
      ),
      structured.map(({ body }) => body).chain((body) => fc.nat().map((cut) => body.subarray(0, cut % Math.max(1, body.length)))),
      fc.integer({ min: 1, max: NESTING_DEPTH_MAX * 10 }).map((depth) => Buffer.from(`${"[".repeat(depth)}${"]".repeat(depth)}`)),
      fc.integer({ min: 1, max: NESTING_DEPTH_MAX * 10 }).map((depth) => Buffer.from(`${'{"~":'.repeat(depth)}1${"}".repeat(depth)}`)),
    )
    .map((body) => ({ body, bodyExpectation: expectationOfRawBody(body, bodyFormat), note: "raw body", absentCard: undefined }));
  const oversized = blob(REQUEST_BYTES_MAX + 1, REQUEST_BYTES_MAX * 4).map((body) => ({
    body,
    bodyExpectation: refusedWith("TOO_LARGE"),
    note: "oversized body",
    absentCard: undefined,
  }));
  return fc.oneof({ arbitrary: structured, weight: 8 }, { arbitrary: raw, weight: 3 }, { arbitrary: oversized, weight: 1 }, { arbitrary: envelope, weight: 1 });
}

/** What the gateway may answer: the refusals before the body is read, else the body's. */
function httpExpectation(
  verb: "POST" | "GET",
  auth: HttpAuthorization,
  op: string,
  format: "json" | "msgpack" | undefined,
  { body, bodyExpectation }: HttpBody,
): Expectation {
  if (verb === "GET") return auth.valid ? refusedWith("METHOD_NOT_ALLOWED") : refusedWith("METHOD_NOT_ALLOWED", "UNAUTHORIZED");
  if (!auth.valid) return refusedWith("UNAUTHORIZED");
  // Each of these is refused before the body is read; the contract does not order them.
  const early: ErrorCode[] = [];
  if (!isOperation(op)) early.push("NOT_FOUND");
  if (format === undefined) early.push("UNSUPPORTED_MEDIA_TYPE");
  if (body.length > REQUEST_BYTES_MAX) early.push("TOO_LARGE");
  return early.length > 0 ? refusedWith(...early) : body.length > REQUEST_BYTES_MAX ? refusedWith("TOO_LARGE") : bodyExpectation;
}

function httpCaseArbitrary(target: FuzzTarget): fc.Arbitrary<HttpCase> {
  const authorization = httpAuthorizationArbitrary(target);
  const operation = httpOperationArbitrary();
  const contentType = httpContentTypeArbitrary();

  const requestsByOperation = new Map(OPERATIONS.map((op) => [op, invalidRequestArbitrary(op, target.members, "http")] as const));

  return fc
    .tuple(authorization, operation, contentType, fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 1 }))
    .chain(([auth, op, type, chunks]) => {
      const format = formatOf(type);
      const structuredOp: Operation = isOperation(op) ? op : "identify";
      const requests = requestsByOperation.get(structuredOp) ?? invalidRequestArbitrary(structuredOp, target.members, "http");
      const method = fc.oneof({ arbitrary: fc.constant<"POST" | "GET">("POST"), weight: 20 }, { arbitrary: fc.constant<"POST" | "GET">("GET"), weight: 1 });
      return fc.tuple(httpBodyArbitrary(requests, structuredOp, format ?? "json"), method).map(([httpBody, verb]): HttpCase => {
        const { body, note, absentCard } = httpBody;
        const reachesBody = verb === "POST" && auth.valid && isOperation(op) && format !== undefined && body.length <= REQUEST_BYTES_MAX;
        return {
          method: verb,
          op,
          authorization: auth.header,
          contentType: type,
          body: verb === "GET" ? Buffer.alloc(0) : body,
          chunks: verb === "GET" ? 0 : chunks,
          expectation: httpExpectation(verb, auth, op, format, httpBody),
          // GET /v1/<op> is answered by its own route, always in JSON.
          answerFormat: verb === "GET" ? "json" : (format ?? "json"),
          note: `${verb} /v1/${op} (${type ?? "no content type"}, ${auth.header === undefined ? "no token" : auth.valid ? "terminal token" : "wrong token"}): ${note}`,
          ...(reachesBody && absentCard !== undefined ? { absentCard } : {}),
        };
      });
    });
}

function bodyStream(body: Buffer, pieces: number): ReadableStream<Uint8Array> {
  const size = Math.ceil(body.length / pieces) || 1;
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < body.length; offset += size) controller.enqueue(new Uint8Array(body.subarray(offset, offset + size)));
      controller.close();
    },
  });
}

/** Sends one case and checks the answer: the code's status, `{code, message}` in the right format. */
async function checkHttpCase(target: FuzzTarget, item: HttpCase, tally: Tally): Promise<void> {
  const headers: Record<string, string> = {};
  if (item.authorization !== undefined) headers["authorization"] = item.authorization;
  if (item.contentType !== undefined && item.method === "POST") headers["content-type"] = item.contentType;
  const init: RequestInit & { duplex?: "half" } = { method: item.method, headers, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MILLISECONDS) };
  if (item.method === "POST") {
    if (item.chunks > 0) {
      init.body = bodyStream(item.body, item.chunks);
      init.duplex = "half";
    } else {
      init.body = new Uint8Array(item.body);
    }
  }
  let response: Response;
  let bytes: Buffer;
  try {
    response = await fetch(`${target.url}/v1/${item.op}`, init);
    bytes = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new FuzzViolation(`no HTTP answer to ${item.note}: ${String(error)}${error instanceof Error && error.cause !== undefined ? ` (${String(error.cause)})` : ""}`);
  }
  const contentType = response.headers.get("content-type") ?? "";
  // A msgpack answer comes in the type the request was sent in, as the client spelt it (no Accept header here).
  const expectedType = item.answerFormat === "json" ? "application/json" : (item.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (contentType !== expectedType) throw new FuzzViolation(`answered ${response.status} as ${describe(contentType)} to ${item.note}; expected ${expectedType}`);
  let body: unknown;
  try {
    body = item.answerFormat === "json" ? (JSON.parse(bytes.toString("utf8")) as unknown) : answerUnpackr.unpack(bytes);
  } catch {
    throw new FuzzViolation(`answered ${response.status} with a body that is not ${item.answerFormat}: ${describe(bytes.toString("utf8"))} to ${item.note}`);
  }
  if (!isPlainObject(body)) throw new FuzzViolation(`answered ${response.status} with a body that is not an object: ${describe(body)} to ${item.note}`);
  if (response.status === 200) {
    count(tally, "OK");
    if (!item.expectation.okAllowed) throw new FuzzViolation(`accepted ${item.note}: ${describe(body)}; expected ${item.expectation.codes.join(" or ")}`);
    return;
  }
  const keys = Object.keys(body).sort();
  if (!isDeepStrictEqual(keys, ["code", "message"])) throw new FuzzViolation(`a refusal body is {code, message}, got ${describe(body)} (${response.status}) for ${item.note}`);
  const code = body["code"];
  if (!isErrorCode(code)) throw new FuzzViolation(`code ${describe(code)} is not in ERROR_CODES (${response.status}) for ${item.note}`);
  count(tally, code);
  if (typeof body["message"] !== "string" || body["message"].length === 0) throw new FuzzViolation(`a refusal without a message: ${describe(body)} for ${item.note}`);
  if (response.status !== HTTP_STATUS_BY_CODE[code]) {
    throw new FuzzViolation(`answered ${code} with status ${response.status}; docs/errors.md says ${HTTP_STATUS_BY_CODE[code]} (${item.note})`);
  }
  if (!item.expectation.codes.includes(code)) {
    throw new FuzzViolation(`answered ${code} (${String(body["message"])}) to ${item.note}; expected ${item.expectation.okAllowed ? "200 or " : ""}${item.expectation.codes.join(" or ")}`);
  }
}

/** Property 3: HTTP requests, invalid in every way the transport allows. */
export async function fuzzHttp(target: FuzzTarget, socket: FuzzSocket, budget: FuzzBudget, tally: Tally): Promise<void> {
  await assertProperty(
    fc.asyncProperty(httpCaseArbitrary(target), async (item) => {
      await checkHttpCase(target, item, tally);
      await checkAbsentCard(socket, item.absentCard);
    }),
    budget,
    false,
  );
}

// --- State and health --------------------------------------------------------------------------------

async function getJson(url: string, token?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
    signal: AbortSignal.timeout(ANSWER_TIMEOUT_MILLISECONDS),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** The demo members, from the admin member view (phone, name, balance, welcome receipt). */
export async function readSentinelMembers(url: string, adminToken: string, cards: readonly string[]): Promise<SentinelMember[]> {
  const members: SentinelMember[] = [];
  for (const card of cards) {
    const { status, body } = await getJson(`${url}/v1/admin/members?card=${encodeURIComponent(card)}`, adminToken);
    if (status !== 200 || !isPlainObject(body)) throw new Error(`cannot read demo member ${card}: ${status} ${describe(body)}`);
    const activity = Array.isArray(body["activity"]) ? (body["activity"] as unknown[]) : [];
    const receipt = activity.find((entry): entry is Record<string, unknown> => isPlainObject(entry) && entry["kind"] === "receipt");
    const phone = body["phone"];
    const name = body["name"];
    const balance = body["balance"];
    if (typeof phone !== "string" || typeof name !== "string" || typeof balance !== "number" || receipt === undefined) {
      throw new Error(`demo member ${card} lacks a phone, name, balance or welcome receipt: ${describe(body)}`);
    }
    members.push({ card, phone, name, balance, welcomeReceipt: String(receipt["receipt"]), store: String(receipt["store"]) });
  }
  return members;
}

/** Everything a lane or an operator can see of the demo members. */
export async function readSentinelState(target: FuzzTarget, socket: FuzzSocket): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const member of target.members) {
    const admin = await getJson(`${target.url}/v1/admin/members?card=${encodeURIComponent(member.card)}`, target.adminToken);
    state[member.card] = {
      identify: without(await socket.call({ op: "identify", card: member.card }), "id"),
      identifyByPhone: without(await socket.call({ op: "identify", phone: member.phone }), "id"),
      balance: without(await socket.call({ op: "balance", card: member.card, detail: true }), "id"),
      adminView: admin,
    };
  }
  return state;
}

function without(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _removed, ...rest } = value;
  return rest;
}

/** The first difference between two states, for a violation message. */
export function firstDifference(before: unknown, after: unknown, path = ""): string | undefined {
  if (isDeepStrictEqual(before, after)) return undefined;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const difference = firstDifference(before[key], after[key], `${path}.${key}`);
      if (difference !== undefined) return difference;
    }
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let index = 0; index < Math.max(before.length, after.length); index += 1) {
      const difference = firstDifference(before[index] as unknown, after[index] as unknown, `${path}[${index}]`);
      if (difference !== undefined) return difference;
    }
  }
  return `${path || "(root)"}: ${describe(before)} became ${describe(after)}`;
}

export async function readHealth(url: string): Promise<{ status: number; body: unknown }> {
  return getJson(`${url}/health`);
}
