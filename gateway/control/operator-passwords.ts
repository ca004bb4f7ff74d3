import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Operator passwords, stored only as scrypt hashes: `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url).
 * scrypt runs in libuv's thread pool, never on the gateway thread's event loop, and only at sign-in:
 * admin requests carry a signed session token (session-tokens.ts), not the password.
 */

/**
 * N = 2^15, r = 8, p = 3: one of the equivalent settings OWASP's password storage guidance lists as its
 * scrypt minimum (32 MiB per guess, a few hundred milliseconds of one core); paid once per sign-in.
 */
const SCRYPT_COST = 2 ** 15;
const SCRYPT_BLOCK_SIZE = 8;
const SCRYPT_PARALLELIZATION = 3;
/** 128 × N × r bytes, with room to spare: Node refuses scrypt above its default 32 MiB otherwise. */
const SCRYPT_MEMORY_MAX_BYTES = 64 * 1024 * 1024;
/** 16 random bytes of salt: no two operators' hashes of the same password are alike. */
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Stored hashes name their own parameters; one naming absurd ones (a corrupted record) is refused, not computed. */
const STORED_COST_MAX = 2 ** 20;

export function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const options = { N: SCRYPT_COST, r: SCRYPT_BLOCK_SIZE, p: SCRYPT_PARALLELIZATION, maxmem: SCRYPT_MEMORY_MAX_BYTES };
  return derive(password, salt, options).then(
    (hash) => `scrypt$${SCRYPT_COST}$${SCRYPT_BLOCK_SIZE}$${SCRYPT_PARALLELIZATION}$${salt.toString("base64url")}$${hash.toString("base64url")}`,
  );
}

/** Whether `password` is the one `stored` was made from; false for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [cost, blockSize, parallelization] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![cost, blockSize, parallelization].every((value) => Number.isSafeInteger(value) && value > 0) || cost > STORED_COST_MAX) return false;
  const salt = Buffer.from(parts[4] ?? "", "base64url");
  const expected = Buffer.from(parts[5] ?? "", "base64url");
  if (expected.length !== HASH_BYTES) return false;
  const maxmem = Math.max(SCRYPT_MEMORY_MAX_BYTES, 256 * cost * blockSize);
  const actual = await derive(password, salt, { N: cost, r: blockSize, p: parallelization, maxmem });
  return timingSafeEqual(actual, expected);
}

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, HASH_BYTES, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}
