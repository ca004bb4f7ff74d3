import { Packr } from "msgpackr";

/**
 * Standard MessagePack only: msgpackr's record extension is off, so any
 * client in any language can read our frames. Maps decode to plain objects.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

export function encodeFrame(value: unknown): Buffer {
  return packr.pack(value);
}

/** Throws on anything that is not one MessagePack value. */
export function decodeFrame(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
