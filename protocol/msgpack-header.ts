/**
 * The sizes of MessagePack's type bytes 0xc0-0xdf, shared by the gateway's
 * encoder (frame-codec.ts, which walks its own output) and the benchmark
 * kit's answer reader (bench/kit/frame-fields.ts, which walks the server's):
 * one table of the format instead of one per walker.
 */

/** Child values of the container whose header `messagePackHeaderEnd` read last: a module variable, so a walk allocates nothing. */
export let headerChildren = 0;

/**
 * For a type byte from 0xc0 to 0xdf at `position`: where the value ends (a
 * container: where its header ends, its children counted in
 * `headerChildren`), or -1 when the bytes end before `end` says they may, or
 * the byte is no MessagePack type (0xc1).
 */
export function messagePackHeaderEnd(bytes: Uint8Array, position: number, end: number): number {
  headerChildren = 0;
  const fits = (size: number): boolean => position + 1 + size <= end;
  switch (bytes[position]) {
    case 0xc0: // nil
    case 0xc2: // false
    case 0xc3: // true
      return position + 1;
    case 0xc4: // bin 8
    case 0xd9: // str 8
      return fits(1) ? position + 2 + bytes[position + 1]! : -1;
    case 0xc5: // bin 16
    case 0xda: // str 16
      return fits(2) ? position + 3 + readUint16(bytes, position + 1) : -1;
    case 0xc6: // bin 32
    case 0xdb: // str 32
      return fits(4) ? position + 5 + readUint32(bytes, position + 1) : -1;
    case 0xc7: // ext 8
      return fits(1) ? position + 3 + bytes[position + 1]! : -1;
    case 0xc8: // ext 16
      return fits(2) ? position + 4 + readUint16(bytes, position + 1) : -1;
    case 0xc9: // ext 32
      return fits(4) ? position + 6 + readUint32(bytes, position + 1) : -1;
    case 0xcc: // uint 8
    case 0xd0: // int 8
      return position + 2;
    case 0xcd: // uint 16
    case 0xd1: // int 16
      return position + 3;
    case 0xca: // float 32
    case 0xce: // uint 32
    case 0xd2: // int 32
      return position + 5;
    case 0xcb: // float 64
    case 0xcf: // uint 64
    case 0xd3: // int 64
      return position + 9;
    case 0xd4: // fixext 1
      return position + 3;
    case 0xd5: // fixext 2
      return position + 4;
    case 0xd6: // fixext 4
      return position + 6;
    case 0xd7: // fixext 8
      return position + 10;
    case 0xd8: // fixext 16
      return position + 18;
    case 0xdc: // array 16
      if (!fits(2)) return -1;
      headerChildren = readUint16(bytes, position + 1);
      return position + 3;
    case 0xdd: // array 32
      if (!fits(4)) return -1;
      headerChildren = readUint32(bytes, position + 1);
      return position + 5;
    case 0xde: // map 16
      if (!fits(2)) return -1;
      headerChildren = 2 * readUint16(bytes, position + 1);
      return position + 3;
    case 0xdf: // map 32
      if (!fits(4)) return -1;
      headerChildren = 2 * readUint32(bytes, position + 1);
      return position + 5;
    default:
      // 0xc1 is never used by MessagePack.
      return -1;
  }
}

function readUint16(bytes: Uint8Array, position: number): number {
  return (bytes[position]! << 8) | bytes[position + 1]!;
}

function readUint32(bytes: Uint8Array, position: number): number {
  return bytes[position]! * 0x100_0000 + ((bytes[position + 1]! << 16) | (bytes[position + 2]! << 8) | bytes[position + 3]!);
}
