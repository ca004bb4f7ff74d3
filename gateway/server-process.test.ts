import { describe, expect, it } from "vitest";
import { readAnnouncement } from "./server-process.js";

describe("the gateway's listening announcement", () => {
  it("is read from its JSON line and every other line is ignored", () => {
    expect(readAnnouncement("loycore is listening on http://127.0.0.1:1")).toBeUndefined();
    expect(readAnnouncement('{"event":"started"}')).toBeUndefined();
    expect(readAnnouncement("{not json")).toBeUndefined();
    expect(
      readAnnouncement(
        '{"event":"listening","url":"http://127.0.0.1:5","webSocketUrl":"ws://127.0.0.1:5/v1/ws","shardThreads":1,"terminalToken":"t","adminToken":"a","demoCards":["2000000000017"]}',
      ),
    ).toEqual({
      url: "http://127.0.0.1:5",
      webSocketUrl: "ws://127.0.0.1:5/v1/ws",
      shardThreads: 1,
      terminalToken: "t",
      adminToken: "a",
      demoCards: ["2000000000017"],
    });
  });

  it("has a null terminal token without --demo", () => {
    expect(readAnnouncement('{"event":"listening","url":"http://x","webSocketUrl":"ws://x","shardThreads":2,"adminToken":null,"demoCards":[]}')).toMatchObject({
      terminalToken: null,
    });
  });

  it("fails loudly on a listening line that lacks a field", () => {
    expect(() => readAnnouncement('{"event":"listening","url":"http://x","adminToken":null,"demoCards":[]}')).toThrow(/webSocketUrl/);
  });
});
