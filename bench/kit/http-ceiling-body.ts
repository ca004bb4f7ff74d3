/** `{"padding":""}`: the smallest body the ceiling server answers with. */
export const CEILING_BODY_OVERHEAD_BYTES = '{"padding":""}'.length;

/** loycore bounds its HTTP bodies at 64 KiB; an answer of the ceiling is never larger. */
export const CEILING_BODY_MAX_BYTES = 64 * 1024;

/** A JSON object of exactly `bytes` bytes (ASCII), at least the overhead. */
export function ceilingResponseBody(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < CEILING_BODY_OVERHEAD_BYTES || bytes > CEILING_BODY_MAX_BYTES) {
    throw new Error(`a ceiling body must be ${CEILING_BODY_OVERHEAD_BYTES} to ${CEILING_BODY_MAX_BYTES} bytes, not ${bytes}`);
  }
  return `{"padding":"${"x".repeat(bytes - CEILING_BODY_OVERHEAD_BYTES)}"}`;
}

/** Reads `calculate=1234,commit=1420` (the ceiling server's --response-bytes) into operation -> bytes. */
export function parseResponseBytes(text: string): ReadonlyMap<string, number> {
  const sizes = new Map<string, number>();
  for (const pair of text.split(",")) {
    const [operation, bytesText] = pair.split("=");
    const bytes = Number(bytesText);
    if (operation === undefined || !/^[A-Za-z]+$/.test(operation) || !Number.isInteger(bytes)) {
      throw new Error(`--response-bytes must look like calculate=1234,commit=1420, not ${JSON.stringify(text)}`);
    }
    ceilingResponseBody(bytes);
    sizes.set(operation, bytes);
  }
  return sizes;
}

/** The inverse of parseResponseBytes. */
export function formatResponseBytes(sizes: ReadonlyMap<string, number>): string {
  return [...sizes].map(([operation, bytes]) => `${operation}=${bytes}`).join(",");
}
