/** The loycore client for point-of-sale integrators: import everything from here. */
export { LoycoreClient } from "./loycore-client.js";
export { LoycoreClientError } from "./loycore-client-error.js";
export type { ClientOnlyErrorCode, LoycoreClientErrorCode, LoycoreClientErrorSource } from "./loycore-client-error.js";
export {
  IN_FLIGHT_MAX,
  REQUEST_TIMEOUT_DEFAULT_MILLISECONDS,
  RECONNECT_DELAY_MAXIMUM_DEFAULT_MILLISECONDS,
  RECONNECT_DELAY_MINIMUM_DEFAULT_MILLISECONDS,
} from "./client-options.js";
export type { ConnectionState, ConnectionStateChange, LoycoreClientOptions } from "./client-options.js";
export type * from "../protocol/terminal-wire.js";

/** The admin API client (`/v1/admin/*`) for back-office tools. */
export { LoycoreAdminClient } from "./loycore-admin-client.js";
export { ADMIN_REQUEST_TIMEOUT_DEFAULT_MILLISECONDS } from "./admin-client-options.js";
export type { LoycoreAdminClientOptions } from "./admin-client-options.js";
export type * from "../protocol/admin-wire.js";
export type * from "../protocol/campaign-document.js";
