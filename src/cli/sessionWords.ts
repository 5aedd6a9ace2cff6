/**
 * Splits one `coordination_helper session` line into words the way a POSIX shell splits a simple
 * command, without any expansion: what the words of a shell command line would be, so a line reads
 * like the CLI call it stands for.
 *
 * - Blanks (space, tab) separate words; a trailing CR (a CRLF line) is dropped.
 * - '...' keeps everything inside as it is. "..." keeps everything too, except that a backslash
 *   before $ ` " \ is removed; before any other character it stays.
 * - $'...' is ANSI-C quoting (POSIX.1-2024, bash): \n \t \r \a \b \e \f \v \\ \' \" \? \cX,
 *   \ooo (octal) and \xHH (hex) bytes, \uHHHH and \UHHHHHHHH characters, so a line can carry
 *   text with newlines and tabs: what bash's `printf %q` writes for such text.
 * - Outside quotes a backslash keeps the next character as it is (`a\ b` is one word, `\'` a quote).
 * - A word starting with # starts a comment that runs to the end of the line.
 * - Nothing is expanded: $HOME, $(cmd), `cmd`, ~, * and ? stay as written.
 *
 * What a shell would run differently or not at all is refused as USAGE (for that line only): an
 * unquoted control or redirection operator (| & ; < > ( )), an unterminated quote, a backslash at
 * the end of the line (a continuation), a NUL byte (no argument can hold one).
 *
 * Returns null for a line without words (blank, or only a comment).
 *
 * Why not an npm package: shell-quote's parse accepts an unterminated quote silently, drops the
 * braces of ${X}, and cuts `a#b` as a comment; shlex (Python's lexer) reports no operators and
 * keeps the backslash of "\$". Each would store something other than what the line says.
 */
import { SwarmError } from '../errors.js';

const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')']);
/** Characters a backslash escapes inside double quotes (POSIX). */
const DQ_ESCAPABLE = new Set(['$', '`', '"', '\\']);
/** $'...' escapes that stand for one character. */
const ANSI_C: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

function usage(message: string): SwarmError {
  return new SwarmError('USAGE', message);
}

/**
 * The text of the $'...' quote whose content starts at `from`, and where it ends (after its closing
 * quote). \ooo and \xHH are bytes, so the text is assembled as UTF-8 and decoded at the end.
 */
function ansiCQuote(text: string, from: number): { value: string; end: number } {
  const bytes: number[] = [];
  const add = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  let i = from;
  for (;;) {
    if (i >= text.length) throw usage(`unterminated $'...' quote (column ${from - 1})`);
    const c = text[i]!;
    if (c === "'") break;
    if (c !== '\\' || i + 1 >= text.length) {
      const cp = text.codePointAt(i)!; // a surrogate pair stays whole
      add(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = text[i + 1]!;
    const hexDigits = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const escaped = Object.hasOwn(ANSI_C, e) ? ANSI_C[e] : undefined;
    if (escaped !== undefined) {
      add(escaped);
      i += 2;
    } else if (e === 'c' && i + 2 < text.length) {
      bytes.push(text.charCodeAt(i + 2) & 0x1f);
      i += 3;
    } else if (/[0-7]/.test(e)) {
      const d = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4))![0];
      bytes.push(parseInt(d, 8) & 0xff);
      i += 1 + d.length;
    } else if (hexDigits && /^[0-9A-Fa-f]/.test(text[i + 2] ?? '')) {
      const d = /^[0-9A-Fa-f]+/.exec(text.slice(i + 2, i + 2 + hexDigits))![0];
      const n = parseInt(d, 16);
      if (e === 'x') bytes.push(n);
      else if (n <= 0x10ffff && (n < 0xd800 || n > 0xdfff)) add(String.fromCodePoint(n));
      else throw usage(`\\${e}${d} is not a character (column ${i + 1})`);
      i += 2 + d.length;
    } else {
      add(`\\${e}`); // not an escape: kept as written, as bash does
      i += 2;
    }
  }
  const value = Buffer.from(bytes).toString('utf8');
  if (value.includes('\0')) throw usage('a NUL byte cannot be part of a command line');
  return { value, end: i + 1 };
}

export function sessionWords(line: string): string[] | null {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.includes('\0')) throw usage('a NUL byte cannot be part of a command line');
  const words: string[] = [];
  let word = '';
  /** Whether a word has begun: `''` is a word (empty), nothing between blanks is not. */
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (ch === '#' && !inWord) {
      break; // a comment, to the end of the line
    } else if (ch === '$' && text[i + 1] === "'") {
      const q = ansiCQuote(text, i + 2);
      word += q.value;
      inWord = true;
      i = q.end;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw usage(`unterminated single quote (column ${i + 1})`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw usage(`unterminated double quote (column ${i + 1})`);
        const c = text[j]!;
        if (c === '"') break;
        if (c === '\\' && j + 1 < text.length && DQ_ESCAPABLE.has(text[j + 1]!)) {
          word += text[j + 1];
          j += 2;
        } else {
          word += c;
          j++;
        }
      }
      inWord = true;
      i = j + 1;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) throw usage('a backslash at the end of the line (lines do not continue)');
      word += text[i + 1];
      inWord = true;
      i += 2;
    } else if (OPERATORS.has(ch)) {
      throw usage(`unquoted shell operator '${ch}' (column ${i + 1}): a session runs one command per line, without pipes or redirections; quote it to pass it as text`);
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words.length ? words : null;
}
