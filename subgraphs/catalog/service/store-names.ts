/**
 * Store names are unique by what a person sees, not by their code points: two
 * names that look alike are the same name. `storeNameKey` is the form they are
 * compared in (stored as `stores.name_key`, unique); the display name is kept
 * as typed.
 *
 * The key, in order:
 * 1. Unicode NFKC: compatibility forms become their plain letters (fullwidth
 *    "Ｓｈｏｐ", mathematical "𝐒𝐡𝐨𝐩", circled "Ⓢ", ligatures "ﬁ" → "Shop", "fi").
 * 2. Invisible characters removed: zero-width spaces, word joiner, BOM, soft
 *    hyphen, direction marks and embeddings/overrides/isolates, and every
 *    other default-ignorable or format (Cf) character — except where they
 *    change what is seen: a zero-width non-joiner between two letters of a
 *    script other than Latin (Persian, Indic scripts) and a zero-width joiner
 *    inside an emoji sequence ("👩‍💻" is not "👩💻").
 * 3. Lower-cased (before folding, so every case of a letter folds alike).
 * 4. Cyrillic and Greek letters (and Latin small capitals) that look like a
 *    Latin letter, in either case, folded to it ("Ѕһор", "НОРА" and "нора"
 *    alike → "shop", "hopa").
 * 5. NFKC again, every run of white space made one space, trimmed.
 *
 * The folding is deliberately generous (a store name refused as taken can be
 * changed; a look-alike store cannot be told apart). Changing these rules
 * changes keys: stores keyed before would need their key recomputed (see
 * `backfillStoreNameKeys`, which fills only missing keys).
 */

/**
 * Lower-case Cyrillic, Greek and Latin small-capital letters → the Latin
 * letter they (or their capitals) look like. Where a letter's small and
 * capital forms look like different Latin letters, the small form's look-alike
 * is used (Greek υ → u, ν → v), so every case of it folds alike.
 */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  с: 'c',
  е: 'e',
  н: 'h',
  һ: 'h',
  і: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  о: 'o',
  р: 'p',
  ѕ: 's',
  т: 't',
  у: 'y',
  х: 'x',
  ү: 'y',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  ԁ: 'd',
  ɡ: 'g',
  ѡ: 'w',
  ѵ: 'v',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  ζ: 'z',
  η: 'h',
  ι: 'i',
  κ: 'k',
  μ: 'm',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ϲ: 'c',
  ϳ: 'j',
  γ: 'y',
  // Latin small capitals
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
  // dotless i and j look like i and j
  ı: 'i',
  ȷ: 'j',
};
const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'gu');

/** Characters that show nothing (or only steer the text's direction). */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/gu;
const NON_LATIN_LETTER = /^(?!\p{Script=Latin})\p{L}$/u;
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;

/** Whether the invisible character at `at` changes what is seen (see step 2). */
function shows(text: string, at: number): boolean {
  const c = text[at];
  const before = [...text.slice(0, at)].at(-1) ?? '';
  const after = [...text.slice(at + 1)][0] ?? '';
  if (c === '\u200c') return NON_LATIN_LETTER.test(before) && NON_LATIN_LETTER.test(after);
  if (c === '\u200d') return (PICTOGRAPH.test(before) || before === '\ufe0f') && PICTOGRAPH.test(after);
  return false;
}

/** The form store names are compared in (see above). */
export function storeNameKey(name: string): string {
  return name
    .normalize('NFKC')
    .replace(INVISIBLE, (c, at: number, text: string) => (shows(text, at) ? c : ''))
    .toLowerCase()
    .replace(CONFUSABLE, (c) => CONFUSABLES[c])
    .normalize('NFKC')
    .replace(/\s+/gu, ' ')
    .trim();
}
