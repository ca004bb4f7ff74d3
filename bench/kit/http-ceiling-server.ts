/**
 * The HTTP ceiling: a minimal uWebSockets.js responder that answers `POST /v1/<operation>` with a fixed JSON
 * body of the same size as loycore's answer to that operation, after reading the request body as loycore
 * does. Whatever autocannon reaches against it on this machine is the most any HTTP server could give the
 * same client: loycore's HTTP figures are reported as a share of it.
 *
 * `node dist/bench/kit/http-ceiling-server.js --response-bytes calculate=1234,commit=1420`
 * prints one JSON line `{"event":"listening","url":"http://127.0.0.1:<port>"}` and serves until SIGTERM or
 * until its standard input closes (the kit that started it is gone).
 */
import { parseArgs } from "node:util";
import uWS from "uWebSockets.js";
import { ceilingResponseBody, parseResponseBytes } from "./http-ceiling-body.js";

const { values } = parseArgs({ options: { "response-bytes": { type: "string" } }, strict: true });
const responseBytes = parseResponseBytes(values["response-bytes"] ?? "");
const bodies = new Map<string, string>([...responseBytes].map(([operation, bytes]) => [operation, ceilingResponseBody(bytes)]));
// An operation the kit did not size (a typo, a probe) still gets an answer the size of the largest one.
const fallbackBody = ceilingResponseBody(Math.max(...responseBytes.values()));

const app = uWS.App();
app.post("/v1/:operation", (response, request) => {
  const body = bodies.get(request.getParameter(0)) ?? fallbackBody;
  let aborted = false;
  response.onAborted(() => {
    aborted = true;
  });
  // loycore reads the whole body before it answers; so does the ceiling, or it would answer too early.
  response.onData((_chunk, isLast) => {
    if (!isLast || aborted) return;
    response.cork(() => {
      response.writeStatus("200 OK").writeHeader("content-type", "application/json").end(body);
    });
  });
});
app.any("/*", (response) => {
  response.cork(() => {
    response.writeStatus("404 Not Found").writeHeader("content-type", "application/json").end('{"code":"NOT_FOUND"}');
  });
});

app.listen("127.0.0.1", 0, (listenSocket) => {
  if (listenSocket === false) {
    process.stderr.write("the HTTP ceiling server could not listen on 127.0.0.1\n");
    process.exit(1);
  }
  const port = uWS.us_socket_local_port(listenSocket as unknown as uWS.us_socket);
  process.stdout.write(`${JSON.stringify({ event: "listening", url: `http://127.0.0.1:${port}` })}\n`);
  const stop = (): void => {
    uWS.us_listen_socket_close(listenSocket);
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.stdin.once("end", stop);
  process.stdin.resume();
});
