import { describe, expect, it } from "vitest";
import { readAnnouncement } from "./gateway-process.js";

describe("gateway announcement", () => {
  it("reads the listening line and ignores every other line", () => {
    expect(readAnnouncement("loycore is listening on http://127.0.0.1:1")).toBeUndefined();
    expect(readAnnouncement('{"event":"started"}')).toBeUndefined();
    expect(
      readAnnouncement(
        '{"event":"listening","url":"http://127.0.0.1:5","webSocketUrl":"ws://127.0.0.1:5/v1/ws","terminalToken":"t","adminToken":"a","demoCards":["2000000000017"]}',
      ),
    ).toEqual({
      url: "http://127.0.0.1:5",
      webSocketUrl: "ws://127.0.0.1:5/v1/ws",
      terminalToken: "t",
      adminToken: "a",
      demoCards: ["2000000000017"],
    });
  });

  it("fails loudly on a listening line without a terminal token", () => {
    expect(() => readAnnouncement('{"event":"listening","url":"http://x","webSocketUrl":"ws://x","terminalToken":null,"adminToken":null,"demoCards":[]}')).toThrow(
      /terminalToken/,
    );
  });
});
