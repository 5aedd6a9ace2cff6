/**
 * The session's word splitter (src/cli/sessionWords.ts) against what bash itself makes of the same
 * lines: lines without anything bash would expand must split exactly as `bash -c 'printf "%s\0" ...'`
 * splits them; lines with such things keep them as written; refused lines are refused with USAGE
 * and a message naming why.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sessionWords } from '../../src/cli/sessionWords.js';
import { isSwarmError } from '../../src/errors.js';

/** The words bash makes of `line` (as arguments of printf). */
function bashWords(line: string): string[] {
  const r = spawnSync('bash', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

function refusal(line: string): string {
  try {
    sessionWords(line);
  } catch (err) {
    expect(isSwarmError(err, 'USAGE')).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${line}`);
}

describe('sessionWords: splitting as bash does, without expansion', () => {
  const sameAsBash = [
    `claim feature "Implement auth" high backend_team`,
    `add feature 'it''s' x`,
    `complete work_1 "a \\"q\\" \\\\ \\x \\\` end"`,
    `add feature a\\ b\\'c\\"d`,
    `progress '' 50`,
    `add feature "" ''`,
    `add feature "tab\there" 'single \\ backslash'`,
    `add   feature    spaced\t\twords   `,
    `add feature a#b 'c #d' # a comment`,
    `add feature "- [ ] docs" -- --dry-run`,
    `add feature "日本語 🚀" 'مرحبا'`,
    `add feature $'line1\\nline2\\ttab \\'q\\' \\"d\\" \\\\ \\e[0m \\x41\\101\\u00e9\\U0001F680 \\xc3\\xa9 \\cA \\z \\x' x$'a'b`,
  ];
  for (const line of sameAsBash) {
    it(`${line}`, () => {
      expect(sessionWords(line)).toEqual(bashWords(line));
    });
  }

  it('expands nothing: $, $(...), backticks, ~, globs and braces stay as written', () => {
    expect(sessionWords('add feature x{a,b}y')).toEqual(['add', 'feature', 'x{a,b}y']);
    expect(sessionWords(`add feature $HOME "$HOME" '$HOME' \${X} "\\$X" ~/x * src/*.ts "\`ls\`" '$(ls)'`)).toEqual([
      'add', 'feature', '$HOME', '$HOME', '$HOME', '${X}', '$X', '~/x', '*', 'src/*.ts', '`ls`', '$(ls)',
    ]);
  });

  it("takes back what bash's printf %q writes for any text, newlines and control characters included", () => {
    const texts = [`it's a "test"`, 'line1\nline2\ttab\r\n', 'é ü 日本 🚀', '$(rm -rf /) `x` \\ back ; | &', '\x01\x1b[31mred', '- [ ] -1 --x', ' lead and trail ', '#not a comment', ''];
    const quoted = spawnSync('bash', ['-c', 'for t in "$@"; do printf "%q\\n" "$t"; done', 'quote', ...texts], { encoding: 'utf8' }).stdout.split('\n').slice(0, -1);
    expect(quoted).toHaveLength(texts.length);
    expect(quoted.some((q) => q.startsWith("$'"))).toBe(true);
    expect(sessionWords(`complete work_1 ${quoted.join(' ')}`)).toEqual(['complete', 'work_1', ...texts]);
  });

  it('returns null for blank and comment-only lines; drops the CR of a CRLF line', () => {
    for (const line of ['', '   ', '\t', '# note', '   # note "unterminated', '\r']) expect(sessionWords(line)).toBeNull();
    expect(sessionWords('claim-next --wait 5\r')).toEqual(['claim-next', '--wait', '5']);
    expect(sessionWords("add feature 'a\rb'")).toEqual(['add', 'feature', 'a\rb']);
  });

  it('refuses unquoted operators, unterminated quotes, a trailing backslash and NUL, for that line only', () => {
    for (const op of ['|', '&', ';', '<', '>', '(', ')']) {
      expect(refusal(`add feature a${op}b`)).toContain(`unquoted shell operator '${op}'`);
      expect(sessionWords(`add feature 'a${op}b' "${op}" \\${op}`)).toEqual(['add', 'feature', `a${op}b`, op, op]);
    }
    expect(refusal('add feature $(ls)')).toContain("operator '('");
    expect(refusal('add feature x > out.txt')).toContain("operator '>'");
    expect(refusal(`add feature "unterminated`)).toBe('unterminated double quote (column 13)');
    expect(refusal(`add feature 'it`)).toBe('unterminated single quote (column 13)');
    expect(refusal(`add feature "a \\"`)).toContain('unterminated double quote');
    expect(refusal('add feature x\\')).toContain('backslash at the end of the line');
    expect(refusal('add feature a\0b')).toContain('NUL');
    expect(refusal("add feature $'a\\0b'")).toContain('NUL');
    expect(refusal("add feature $'open")).toContain("unterminated $'...' quote");
    expect(refusal("add feature $'\\ud800'")).toContain('is not a character');
    // The next line is not affected by the last one's refusal: no state is kept.
    expect(sessionWords('claim-next')).toEqual(['claim-next']);
  });
});
