/**
 * Store names are unique by what a person sees, not by their code points: two
 * names that look alike are the same name. `storeNameKey` is the form they are
 * compared in (stored as `stores.name_key`, unique); the display name is kept
 * as typed.
 *
 * The key, in order:
 * 1. Unicode NFKC: compatibility forms become their plain letters (fullwidth
 *    "Ｓｈｏｐ", mathematical "𝐒𝐡𝐨𝐩", circled "Ⓢ", ligatures "ﬁ" → "Shop", "fi").
 * 2. Invisible characters removed: zero-width spaces and joiners, word joiner,
 *    BOM, soft hyphen, direction marks and embeddings/overrides/isolates, and
 *    every other default-ignorable or format (Cf) character.
 * 3. Letters of Cyrillic and Greek (and Latin small capitals) that look like
 *    Latin letters folded to them ("Ѕһор" → "Shop"), upper and lower case
 *    each to their look-alike.
 * 4. Lower-cased, NFKC again (lower-casing can leave a non-normalised string),
 *    every run of white space made one space, trimmed.
 *
 * The folding is deliberately generous (a store name refused as taken can be
 * changed; a look-alike store cannot be told apart). Changing these rules
 * changes keys: stores keyed before would need their key recomputed (see
 * `backfillStoreNameKeys`, which fills only missing keys).
 */

/** Cyrillic, Greek and Latin small-capital letters → the Latin letter they look like. */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic capitals
  А: 'A', В: 'B', С: 'C', Е: 'E', Н: 'H', І: 'I', Ј: 'J', К: 'K', М: 'M', О: 'O', Р: 'P', Ѕ: 'S', Т: 'T', Х: 'X', Ү: 'Y', Ԛ: 'Q', Ԝ: 'W', Ӏ: 'I', Ԁ: 'D', Ɡ: 'G',
  // Cyrillic small letters
  а: 'a', с: 'c', е: 'e', һ: 'h', і: 'i', ј: 'j', о: 'o', р: 'p', ѕ: 's', у: 'y', х: 'x', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ү: 'y', ɡ: 'g', ѡ: 'w', ѵ: 'v', Ѵ: 'V',
  // Greek capitals
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X', Ϲ: 'C', Ϳ: 'J',
  // Greek small letters
  ο: 'o', ν: 'v', ρ: 'p', α: 'a', ι: 'i', κ: 'k', υ: 'u', χ: 'x', ϲ: 'c', ϳ: 'j', γ: 'y',
  // Latin small capitals
  ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ɢ: 'g', ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm', ɴ: 'n', ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z',
  // dotless i and j look like i and j
  ı: 'i', ȷ: 'j',
};
const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'gu');

/** Characters that show nothing (or only steer the text's direction). */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/gu;

/** The form store names are compared in (see above). */
export function storeNameKey(name: string): string {
  return name
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(CONFUSABLE, (c) => CONFUSABLES[c])
    .toLowerCase()
    .normalize('NFKC')
    .replace(/\s+/gu, ' ')
    .trim();
}
