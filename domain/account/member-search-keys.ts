/**
 * How names and e-mails are compared when support searches for a member
 * (the directory's name and e-mail indexes, and the importer that fills
 * them): pure functions, the one place the folding is defined.
 */

/**
 * A name folded for prefix search: Unicode compatibility forms joined
 * (NFKC: full-width letters, ligatures), lower-cased by Unicode's rules (so
 * "АННА" and "анна" are one name, as "ANNA" and "anna"), "ё" read as "е"
 * (Russian writes either), runs of white space one space, no space at
 * either end. Locale-free: the same key on every server.
 */
export function searchableName(name: string): string {
  return name.normalize("NFKC").toLowerCase().replace(/ё/g, "е").replace(/\s+/gu, " ").trim();
}

/** An e-mail folded for exact search: lower-cased whole (mail systems treat the local part without case in practice). */
export function searchableEmail(email: string): string {
  return email.normalize("NFKC").toLowerCase().trim();
}
