/** A shallow copy of a test document with one field removed, for "missing field" cases. */
export function withoutField(source: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...source };
  delete copy[field];
  return copy;
}
