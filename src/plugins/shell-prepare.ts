/**
 * shell-quote reads words, quotes and operators well but not everything `sh` does: it takes a
 * newline for a space, a `#` inside a word for a comment that swallows the rest of the line, and
 * does not know backticks. This pass rewrites those three into forms it reads the way `sh` would,
 * so that nothing a line runs can hide from the checks behind a newline, a `#` or a backtick.
 */

const OPERATOR_END = /[|&;(]\s*$/;
const WORD_BOUNDARY = /[\s;&|()<>]/;

export function prepareLine(line: string): string {
  let out = '';
  let quote: "'" | '"' | undefined;
  let inBackticks = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line.charAt(i);
    if (quote === "'") {
      out += char;
      if (char === "'") quote = undefined;
    } else if (char === '\\') {
      const next = line.charAt(i + 1);
      i += 1;
      // A backslash-newline joins two lines into one; any other escape stays as written.
      if (next !== '\n' || quote !== undefined) out += `\\${next}`;
    } else if (char === '`') {
      out += inBackticks ? ')' : '$(';
      inBackticks = !inBackticks;
    } else if (quote === '"') {
      out += char;
      if (char === '"') quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
      out += char;
    } else if (char === '\n') {
      out += OPERATOR_END.test(out) || out.trim() === '' ? ' ' : ' ; ';
    } else if (char === '#') {
      if (out === '' || WORD_BOUNDARY.test(out.charAt(out.length - 1))) {
        // A real comment: it ends at the newline, which still separates commands.
        const newline = line.indexOf('\n', i);
        i = newline < 0 ? line.length : newline - 1;
      } else {
        out += '\\#';
      }
    } else {
      out += char;
    }
  }
  return inBackticks ? `${out})` : out;
}
