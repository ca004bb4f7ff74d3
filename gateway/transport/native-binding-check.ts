import { createRequire } from "node:module";

/**
 * The Node.js versions loycore runs on, as package.json `engines` says them.
 * The floor is what the code needs (Node 20.11); the ceiling is the pinned
 * uWebSockets.js build, which ships native bindings for Node 16, 18 and 20
 * (NODE_MODULE_VERSION 93, 108, 115) only. On any other Node it falls back to a
 * JavaScript stub that answers HTTP but throws "not implemented" at the first
 * WebSocket upgrade, so those versions are refused at start-up instead.
 */
export const SUPPORTED_NODE_ENGINES = ">=20.11 <21";

/** The same range for people: printed when loycore refuses to start, and in the README. */
export const SUPPORTED_NODE_VERSIONS = "Node.js 20 (20.11 or later)";

/**
 * The Node.js major of the Docker image (its NODE_IMAGE), which replaces the pinned build
 * with one that binds Node 20 to 25 on glibc 2.38 or later (docs/operations.md).
 */
export const DOCKER_IMAGE_NODE_MAJOR = 24;

/**
 * NODE_MODULE_VERSION (process.versions.modules) of each supported Node major:
 * the binding file the uWebSockets.js package must hold is
 * `binaries/uws_<platform>_<arch>_<module version>.node`.
 */
export const NODE_MODULE_VERSION_BY_SUPPORTED_MAJOR: Readonly<Record<number, string>> = { 20: "115" };

/** The uWebSockets.js package's name in package.json (an alias of the pinned build). */
const WEB_SOCKET_PACKAGE = "uWebSockets.js";

/** What `Function.prototype.toString` says of a function a native addon exports. */
const NATIVE_FUNCTION_MARK = "[native code]";

export interface RuntimeDescription {
  readonly version: string;
  readonly modules: string;
  readonly platform: string;
  readonly arch: string;
  /** UWS_USE_FALLBACK is set: the pinned build then loads its fallback on purpose. */
  readonly fallbackRequested: boolean;
}

export type WebSocketBinding = { readonly native: true } | { readonly native: false; readonly problem: string };

/**
 * Loads uWebSockets.js and tells whether its `App` is the native binding. The
 * pinned build does not throw when it has no binding for this Node: it prints a
 * warning and returns its JavaScript fallback (also chosen by UWS_USE_FALLBACK=1),
 * which cannot upgrade a WebSocket. Newer builds throw instead; both are caught.
 */
export function inspectWebSocketBinding(
  load: () => unknown = () => createRequire(import.meta.url)(WEB_SOCKET_PACKAGE),
  runtime: RuntimeDescription = {
    version: process.version,
    modules: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    fallbackRequested: process.env["UWS_USE_FALLBACK"] !== undefined && process.env["UWS_USE_FALLBACK"] !== "",
  },
): WebSocketBinding {
  const where = `Node.js ${runtime.version} (NODE_MODULE_VERSION ${runtime.modules}) on ${runtime.platform}-${runtime.arch}`;
  const advice = `loycore runs on ${SUPPORTED_NODE_VERSIONS} (package.json engines "${SUPPORTED_NODE_ENGINES}"), and on Node.js ${DOCKER_IMAGE_NODE_MAJOR} in its Docker image; see docs/operations.md`;
  let binding: unknown;
  try {
    binding = load();
  } catch (error) {
    // Newer builds say which Node versions they support, then the loader's error (such as a missing GLIBC_2.38).
    const reason = (error instanceof Error ? error.message : String(error))
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .join(" ");
    return { native: false, problem: `${WEB_SOCKET_PACKAGE} has no native binding for ${where} (${reason}); ${advice}` };
  }
  const app = typeof binding === "object" && binding !== null ? (binding as { App?: unknown }).App : undefined;
  if (typeof app === "function" && Function.prototype.toString.call(app).includes(NATIVE_FUNCTION_MARK)) return { native: true };
  return {
    native: false,
    problem: `${WEB_SOCKET_PACKAGE} loaded its JavaScript fallback${runtime.fallbackRequested ? " (UWS_USE_FALLBACK is set: unset it)" : ""} instead of a native binding on ${where}; the fallback cannot accept WebSocket connections ("not implemented" at the first upgrade). ${advice}`,
  };
}
