/**
 * The floats (0xca float32, 0xcb float64) in MessagePack bytes, each with the
 * path of map keys and array indexes that leads to it. A parser of its own,
 * independent of msgpackr and of the gateway's encoder, so that a test of
 * the encoder does not trust the encoder's reading of its own bytes.
 */
export interface FoundFloat {
  /** Keys and indexes from the root, e.g. `lines.0.qty`. */
  readonly path: string;
  readonly type: 0xca | 0xcb;
  readonly value: number;
}

export function floatsInMessagePack(bytes: Uint8Array): FoundFloat[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: FoundFloat[] = [];
  let position = 0;

  const length = (size: 1 | 2 | 4): number => {
    const value = size === 1 ? view.getUint8(position) : size === 2 ? view.getUint16(position) : view.getUint32(position);
    position += size;
    return value;
  };
  const text = (byteLength: number): string => {
    const value = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(position, position + byteLength));
    position += byteLength;
    return value;
  };

  /** Reads one value; returns it as a string when it is one (map keys), else undefined. */
  const read = (path: readonly string[]): string | undefined => {
    if (position >= bytes.length) throw new Error(`truncated MessagePack at ${position}`);
    const type = view.getUint8(position);
    position += 1;
    if (type <= 0x7f || type >= 0xe0) return undefined;
    if (type >= 0x80 && type <= 0x8f) return readMap(type & 0x0f, path);
    if (type >= 0x90 && type <= 0x9f) return readArray(type & 0x0f, path);
    if (type >= 0xa0 && type <= 0xbf) return text(type & 0x1f);
    switch (type) {
      case 0xc0:
      case 0xc2:
      case 0xc3:
        return undefined;
      case 0xc4:
      case 0xc5:
      case 0xc6:
      {
        // Read the length before adding: `position += length()` would add to the position before the length.
        const byteLength = length(type === 0xc4 ? 1 : type === 0xc5 ? 2 : 4);
        position += byteLength;
        return undefined;
      }
      case 0xc7:
      case 0xc8:
      case 0xc9:
      {
        const byteLength = length(type === 0xc7 ? 1 : type === 0xc8 ? 2 : 4);
        position += 1 + byteLength; // the extension's type byte, then its data
        return undefined;
      }
      case 0xca:
        found.push({ path: path.join("."), type, value: view.getFloat32(position) });
        position += 4;
        return undefined;
      case 0xcb:
        found.push({ path: path.join("."), type, value: view.getFloat64(position) });
        position += 8;
        return undefined;
      case 0xcc:
      case 0xd0:
        position += 1;
        return undefined;
      case 0xcd:
      case 0xd1:
        position += 2;
        return undefined;
      case 0xce:
      case 0xd2:
        position += 4;
        return undefined;
      case 0xcf:
      case 0xd3:
        position += 8;
        return undefined;
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        position += 1 + 2 ** (type - 0xd4);
        return undefined;
      case 0xd9:
        return text(length(1));
      case 0xda:
        return text(length(2));
      case 0xdb:
        return text(length(4));
      case 0xdc:
        return readArray(length(2), path);
      case 0xdd:
        return readArray(length(4), path);
      case 0xde:
        return readMap(length(2), path);
      case 0xdf:
        return readMap(length(4), path);
      default:
        throw new Error(`0x${type.toString(16)} at ${position - 1} is not a MessagePack type`);
    }
  };
  const readArray = (count: number, path: readonly string[]): undefined => {
    for (let index = 0; index < count; index += 1) read([...path, String(index)]);
    return undefined;
  };
  const readMap = (count: number, path: readonly string[]): undefined => {
    for (let index = 0; index < count; index += 1) {
      const key = read([...path, "<key>"]);
      read([...path, key ?? "<non-string key>"]);
    }
    return undefined;
  };

  read([]);
  if (position !== bytes.length) throw new Error(`${bytes.length - position} bytes after the MessagePack value`);
  return found;
}
