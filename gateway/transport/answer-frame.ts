// Thread: the gateway (main) thread.
import { encodeFrame } from "../../protocol/frame-codec.js";
import { mapHeaderBytes, packedMapHeader, writeMapHeader, type PackedAnswer } from "../../protocol/packed-answer.js";
import type { RequestId } from "../../protocol/terminal-wire.js";

/** `"id"` and `"ok": true` as MessagePack: fixstr keys and the true byte. */
const ID_KEY = Uint8Array.of(0xa2, 0x69, 0x64);
const OK_TRUE = Uint8Array.of(0xa2, 0x6f, 0x6b, 0xc3);

/**
 * The WebSocket frame of a successful answer, `{ id, ok: true, ...answer }`,
 * from an answer a shard thread packed: a new map header counting two more
 * entries, the id and ok entries, then the answer's own entries as they are.
 * The same bytes encodeFrame would write for the object, without decoding or
 * encoding the answer again.
 */
export function answerFrame(id: RequestId, packed: PackedAnswer<object>): Buffer {
  const { count, entriesStart } = packedMapHeader(packed);
  const idBytes = encodeFrame(id);
  const entriesBytes = packed.length - entriesStart;
  const frame = Buffer.allocUnsafe(mapHeaderBytes(count + 2) + ID_KEY.length + idBytes.length + OK_TRUE.length + entriesBytes);
  let offset = writeMapHeader(frame, 0, count + 2);
  frame.set(ID_KEY, offset);
  offset += ID_KEY.length;
  frame.set(idBytes, offset);
  offset += idBytes.length;
  frame.set(OK_TRUE, offset);
  offset += OK_TRUE.length;
  frame.set(packed.subarray(entriesStart), offset);
  return frame;
}
