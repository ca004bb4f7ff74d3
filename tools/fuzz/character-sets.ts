// Character sets for valid and invalid strings; runs in the fuzzer's own process, not in the gateway.
import fc from "fast-check";

export const printableAscii = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
export const cardCharacter = fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-");
export const digit = fc.constantFrom(..."0123456789");
/** Characters that are odd in some way: controls, spaces, invisible, bidi, lone surrogates, look-alike digits. */
const WEIRD_CHARACTERS = [
  " ", "\t", "\n", "\r", "\u0000", "\u0007", "\u007f", "\u0085", "\u00a0", "\u00e9", "\u0301", "\u200b", "\u200d", "\u202e",
  "\u2028", "\ufeff", "\ufffd", "\ud800", "\udfff", "\ud83d\ude00", "\uff10", "\uff21", "\u0661", "\u0410", "\u{1d7ce}",
  "_", ".", "+", "/", "~", "%", "'", '"', "\\", "*", "?", "#", "&", "=", ",", ":", ";", "<", ">", "@", "!", "$",
];
const weirdCharacter = fc.oneof(
  fc.constantFrom(...WEIRD_CHARACTERS),
  fc.string({ unit: "binary", minLength: 1, maxLength: 2 }),
  fc.integer({ min: 0, max: 0x20 }).map((code) => String.fromCharCode(code)),
);

export function isClientIdCharacter(character: string): boolean {
  const code = character.charCodeAt(0);
  return character.length === 1 && code >= 0x21 && code <= 0x7e;
}

export function isCardCharacter(character: string): boolean {
  return /^[0-9A-Za-z-]$/.test(character);
}

/** A valid string with at least one character the field refuses inserted somewhere. */
export function withForbiddenCharacter(valid: fc.Arbitrary<string>, allowed: (character: string) => boolean): fc.Arbitrary<string> {
  const forbidden = weirdCharacter.filter((text) => [...text].some((character) => !allowed(character)));
  return fc.tuple(valid, forbidden, fc.nat()).map(([text, character, at]) => {
    const position = at % (text.length + 1);
    return text.slice(0, position) + character + text.slice(position);
  });
}
