import { it } from "vitest";

/** Table-driven tests: one `it` per row, named by the row's sentence. */
export function itEach<Row extends { readonly name: string }>(rows: readonly Row[]): (body: (row: Row) => void) => void {
  return (body) => {
    for (const row of rows) it(row.name, () => body(row));
  };
}
