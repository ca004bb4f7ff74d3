import { describe, expect, it } from "vitest";
import { searchableEmail, searchableName } from "./member-search-keys.js";

describe("search keys", () => {
  it("fold Cyrillic and Latin names to one lower-case form, ё as е, white space joined", () => {
    expect(searchableName("  АННА   Семёнова ")).toBe("анна семенова");
    expect(searchableName("Анна Семенова")).toBe("анна семенова");
    expect(searchableName("ANNA")).toBe("anna");
    expect(searchableName("Ｊｏｈｎ")).toBe("john");
  });

  it("fold an e-mail to lower case", () => {
    expect(searchableEmail("Anna.Smith@Example.COM")).toBe("anna.smith@example.com");
  });
});
