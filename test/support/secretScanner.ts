/** Where a password was found in a scanned text, and in which encoding. */
export interface Finding {
  /** Index into the passwords the scanner was built with. */
  readonly password: number;
  readonly form: string;
  readonly offset: number;
}

interface Needle {
  readonly text: string;
  readonly password: number;
  readonly form: string;
}

// Every character a needle may hold: passwords (letters and digits), hex,
// base64 and base64url. A needle never spans a character outside this class,
// so only runs of it need to be looked at.
const NEEDLE_CHAR = /^[A-Za-z0-9+/_-]+$/;
const PREFIX = 8;
const MIN_PASSWORD = 16;

/**
 * Finds any of a set of passwords in bytes: as they are (which is also their
 * JSON and URL-encoded form: generated passwords are letters and digits), in
 * UTF-16 (browser storage), base64 and base64url at each of the three
 * alignments, and hex. Cost is linear in the input, whatever the number of
 * passwords: runs of needle characters are cut out with one regex and
 * looked up by an 8-character prefix.
 */
export class SecretScanner {
  private readonly byPrefix = new Map<string, Needle[]>();
  private readonly run: RegExp;
  private readonly run16: RegExp;
  readonly needles: number;

  constructor(passwords: readonly string[]) {
    let shortest = Infinity;
    let count = 0;
    passwords.forEach((pw, index) => {
      if (pw.length < MIN_PASSWORD || !NEEDLE_CHAR.test(pw)) {
        // A short or symbol-laden needle would match noise, or be missed: say so rather than audit wrongly.
        throw new Error(`the scanner takes passwords of ${MIN_PASSWORD}+ letters and digits; got one of ${pw.length} characters`);
      }
      for (const [form, text] of SecretScanner.forms(pw)) {
        const key = text.slice(0, PREFIX);
        const list = this.byPrefix.get(key) ?? [];
        list.push({ text, password: index, form });
        this.byPrefix.set(key, list);
        shortest = Math.min(shortest, text.length);
        count++;
      }
    });
    this.needles = count;
    const min = Number.isFinite(shortest) ? shortest : MIN_PASSWORD;
    this.run = new RegExp(`[A-Za-z0-9+/_-]{${min},}`, 'g');
    this.run16 = new RegExp(`(?:[A-Za-z0-9+/_-]\\x00){${min},}`, 'g');
  }

  /** The encodings searched for one password, each as the text that must appear. */
  static forms(password: string): Array<[form: string, text: string]> {
    const bytes = Buffer.from(password, 'utf8');
    const out: Array<[string, string]> = [['plain', password]];
    for (let skip = 0; skip < 3; skip++) {
      // In a longer base64 stream only whole 3-byte groups encode the same
      // way wherever they sit; which bytes form groups depends on alignment.
      const whole = bytes.subarray(skip, skip + Math.floor((bytes.length - skip) / 3) * 3);
      const b64 = whole.toString('base64');
      out.push([`base64@${skip}`, b64]);
      const url = whole.toString('base64url');
      if (url !== b64) out.push([`base64url@${skip}`, url]);
    }
    const hex = bytes.toString('hex');
    out.push(['hex', hex], ['HEX', hex.toUpperCase()]);
    return out;
  }

  scan(data: Buffer | string): Finding[] {
    const text = typeof data === 'string' ? data : data.toString('latin1');
    const found: Finding[] = [];
    for (const m of text.matchAll(this.run)) this.match(m[0], m.index, '', 1, found);
    for (const m of text.matchAll(this.run16)) this.match(m[0].replace(/\x00/g, ''), m.index, 'utf-16le ', 2, found);
    return found;
  }

  private match(run: string, at: number, formPrefix: string, width: number, found: Finding[]): void {
    for (let i = 0; i + PREFIX <= run.length; i++) {
      const candidates = this.byPrefix.get(run.slice(i, i + PREFIX));
      if (!candidates) continue;
      for (const c of candidates) {
        if (run.startsWith(c.text, i)) found.push({ password: c.password, form: formPrefix + c.form, offset: at + i * width });
      }
    }
  }
}
