import { Packr } from "msgpackr";

/**
 * Standard MessagePack only: msgpackr's record extension is off, so any
 * client in any language can read our frames. Maps decode to plain objects.
 * 64-bit integers within the safe range decode as numbers (a client may
 * write every integer in the 64-bit form); beyond it they stay BigInts,
 * which every field reader refuses. ("auto" is in msgpackr's documentation
 * but not in its type declaration, hence the cast.)
 */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: "auto" as "number" });

export function encodeFrame(value: unknown): Buffer {
  return packr.pack(value);
}

/** Throws on anything that is not one MessagePack value. */
export function decodeFrame(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
