import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Program } from "../../protocol/program-document.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { ControlStore } from "./control-store.js";

const opened: { store: ControlStore; remove: () => void }[] = [];

function openStore(): ControlStore {
  const directory = makeTemporaryDirectory("control");
  const store = new ControlStore({ path: join(directory.path, "control") });
  opened.push({ store, remove: directory.remove });
  return store;
}

afterEach(async () => {
  for (const { store, remove } of opened.splice(0)) {
    await store.close();
    remove();
  }
});

/** Only the fields the listing reads; the store keeps whatever program it is given. */
function program(version: number): Program {
  return { name: `Program ${version}`, version } as unknown as Program;
}

describe("ControlStore listings", () => {
  it("lists partners in id order a page at a time, each page naming the cursor of the next", async () => {
    const store = openStore();
    for (const id of ["p-c", "p-a", "p-e", "p-b", "p-d"]) await store.writePartner({ id, name: id.toUpperCase() });
    const first = store.listPartners(null, 2);
    expect(first.items.map((partner) => partner.id)).toEqual(["p-a", "p-b"]);
    expect(first.next).toBe("p-b");
    const second = store.listPartners(first.next, 2);
    expect(second.items.map((partner) => partner.id)).toEqual(["p-c", "p-d"]);
    expect(second.next).toBe("p-d");
    const last = store.listPartners(second.next, 2);
    expect(last.items.map((partner) => partner.id)).toEqual(["p-e"]);
    expect(last.next).toBeNull();
  });

  it("answers no next cursor when the last page is exactly full", async () => {
    const store = openStore();
    for (const id of ["p-1", "p-2"]) await store.writePartner({ id, name: id });
    expect(store.listPartners(null, 2)).toEqual({ items: [{ id: "p-1", name: "p-1" }, { id: "p-2", name: "p-2" }], next: null });
    expect(store.listPartners("p-2", 2)).toEqual({ items: [], next: null });
  });

  it("starts after a cursor that names no record, at the next id in order", async () => {
    const store = openStore();
    for (const id of ["a", "c", "e"]) await store.writePartner({ id, name: id });
    expect(store.listPartners("b", 10).items.map((partner) => partner.id)).toEqual(["c", "e"]);
  });

  it("lists only one partner's stores when the partner is given", async () => {
    const store = openStore();
    await store.writeStore({ id: "s-1", partner: "p-1", name: "one" });
    await store.writeStore({ id: "s-2", partner: "p-2", name: "two" });
    await store.writeStore({ id: "s-3", partner: "p-1", name: "three" });
    await store.writeStore({ id: "s-4", partner: "p-1", name: "four" });
    const page = store.listStores(null, 2, "p-1");
    expect(page.items.map((item) => item.id)).toEqual(["s-1", "s-3"]);
    expect(page.next).toBe("s-3");
    expect(store.listStores(page.next, 2, "p-1")).toEqual({ items: [{ id: "s-4", partner: "p-1", name: "four" }], next: null });
    expect(store.listStores(null, 10).items).toHaveLength(4);
  });

  it("lists terminals filtered by store and by partner", async () => {
    const store = openStore();
    const audit = { at: 1, action: "create-terminal", operator: "test", detail: {} };
    await store.writeTerminal({ id: "t-1", store: "s-1", partner: "p-1", tokenHash: "h1" }, audit);
    await store.writeTerminal({ id: "t-2", store: "s-2", partner: "p-1", tokenHash: "h2" }, audit);
    await store.writeTerminal({ id: "t-3", store: "s-3", partner: "p-2", tokenHash: "h3" }, audit);
    expect(store.listTerminals(null, 10, { store: "s-2" }).items.map((terminal) => terminal.id)).toEqual(["t-2"]);
    expect(store.listTerminals(null, 10, { partner: "p-1" }).items.map((terminal) => terminal.id)).toEqual(["t-1", "t-2"]);
    expect(store.listTerminals(null, 10, { store: "s-3", partner: "p-1" }).items).toEqual([]);
  });

  it("reads any stored program version and lists versions newest first, paged by version", async () => {
    const store = openStore();
    for (let version = 1; version <= 5; version += 1) await store.appendProgram(program(version));
    expect(store.readProgram(3)?.name).toBe("Program 3");
    expect(store.readProgram(6)).toBeUndefined();
    const first = store.listPrograms(null, 2);
    expect(first.items.map((item) => item.version)).toEqual([5, 4]);
    expect(first.next).toBe(4);
    const second = store.listPrograms(first.next, 2);
    expect(second.items.map((item) => item.version)).toEqual([3, 2]);
    const last = store.listPrograms(second.next, 2);
    expect(last).toEqual({ items: [program(1)], next: null });
  });
});
