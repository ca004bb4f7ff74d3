import * as fs from "node:fs";

/**
 * The file operations the file commit log uses, all asynchronous on libuv's thread pool so the shard
 * thread's event loop never waits on the disk. A seam: tests wrap nodeLogFileSystem to inject failures
 * (a full disk, an I/O error) or to hold syncs. Positions are byte offsets in the file.
 */
export interface LogFileSystem {
  /** Creates the directory and its parents if missing. */
  mkdir(directory: string): Promise<void>;
  /** The names in a directory. */
  readdir(directory: string): Promise<string[]>;
  /** A whole file's bytes. */
  readFile(path: string): Promise<Uint8Array>;
  /** Opens a file: "r+" an existing one for writing in place, "wx" a new one (fails if it exists). */
  open(path: string, flags: "r+" | "wx"): Promise<number>;
  close(fd: number): Promise<void>;
  /** Writes every byte of `bytes` at `position` (a short write is an error); resolves with the count. */
  write(fd: number, bytes: Uint8Array, position: number): Promise<number>;
  /** Writes the buffers one after another from `position` in one call; resolves with the count. */
  writev(fd: number, buffers: readonly Uint8Array[], position: number): Promise<number>;
  /** Flushes a file's data (and the metadata needed to read it) to the disk. */
  fdatasync(fd: number): Promise<void>;
  /** Flushes a file's data and all its metadata to the disk. */
  fsync(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsyncs a directory, making the creation, renaming or removal of its entries durable. */
  syncDirectory(directory: string): Promise<void>;
}

function settle<Value>(resolve: (value: Value) => void, reject: (error: unknown) => void) {
  return (error: NodeJS.ErrnoException | null, value: Value): void => (error === null ? resolve(value) : reject(error));
}

function call<Value>(start: (callback: (error: NodeJS.ErrnoException | null, value: Value) => void) => void): Promise<Value> {
  return new Promise<Value>((resolve, reject) => start(settle(resolve, reject)));
}

function done(start: (callback: (error: NodeJS.ErrnoException | null) => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => start((error) => (error === null ? resolve() : reject(error))));
}

/** Node's callback API (fs.writev, fs.fdatasync, ...) behind the seam: each call is one job on libuv's pool. */
export const nodeLogFileSystem: LogFileSystem = {
  mkdir: (directory) => done((callback) => fs.mkdir(directory, { recursive: true }, (error) => callback(error))),
  readdir: (directory) => call<string[]>((callback) => fs.readdir(directory, callback)),
  readFile: (path) => call<Buffer>((callback) => fs.readFile(path, callback)),
  open: (path, flags) => call<number>((callback) => fs.open(path, flags, callback)),
  close: (fd) => done((callback) => fs.close(fd, callback)),
  write: async (fd, bytes, position) => {
    // libuv reports a write that filled the disk part-way as short, dropping the ENOSPC that followed:
    // writing the rest brings that error (or finishes the write).
    let written = 0;
    while (written < bytes.length) {
      const count = await call<number>((callback) => fs.write(fd, bytes, written, bytes.length - written, position + written, callback));
      if (count === 0) throw new Error(`write made no progress at ${position + written}`);
      written += count;
    }
    return written;
  },
  writev: (fd, buffers, position) => call<number>((callback) => fs.writev(fd, buffers as Uint8Array[], position, callback)),
  fdatasync: (fd) => done((callback) => fs.fdatasync(fd, callback)),
  fsync: (fd) => done((callback) => fs.fsync(fd, callback)),
  rename: (from, to) => done((callback) => fs.rename(from, to, callback)),
  unlink: (path) => done((callback) => fs.unlink(path, callback)),
  syncDirectory: async (directory) => {
    const fd = await call<number>((callback) => fs.open(directory, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY, callback));
    try {
      await done((callback) => fs.fsync(fd, callback));
    } finally {
      await done((callback) => fs.close(fd, callback));
    }
  },
};
