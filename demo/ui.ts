/** Terminal output for the demo: ANSI colour only when writing to a terminal. */

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;

export type Style = keyof typeof CODES;

export interface Ui {
  paint(style: Style, text: string): string;
  line(text?: string): void;
  section(number: number, title: string): void;
  /** A line stamped with the time since the demo started. */
  event(symbol: string, style: Style, text: string): void;
  /** Quoted text (a plan, a prompt, a report), indented under a bar. */
  block(text: string, options?: { maxLines?: number; style?: Style }): void;
}

export function createUi(write: (text: string) => void, color: boolean): Ui {
  const started = Date.now();
  const paint = (style: Style, text: string): string => {
    if (!color) return text;
    const [on, off] = CODES[style];
    return `\u001b[${on}m${text}\u001b[${off}m`;
  };
  const line = (text = ''): void => write(`${text}\n`);
  return {
    paint,
    line,
    section(number, title) {
      line();
      line(paint('bold', paint('cyan', `━━ ${number}. ${title} `.padEnd(78, '━'))));
    },
    event(symbol, style, text) {
      const stamp = `+${((Date.now() - started) / 1000).toFixed(2)}s`.padStart(8);
      line(`${paint('dim', stamp)}  ${paint(style, symbol)} ${text}`);
    },
    block(text, options = {}) {
      const lines = text.replace(/\s+$/, '').split('\n');
      const max = options.maxLines ?? Number.POSITIVE_INFINITY;
      const shown = lines.slice(0, max);
      for (const l of shown) line(`  ${paint('dim', '│')} ${options.style ? paint(options.style, l) : l}`);
      if (lines.length > shown.length) line(`  ${paint('dim', `│ … ${lines.length - shown.length} more lines`)}`);
    },
  };
}

/** The first line of a text, shortened for a one-line display. */
export function oneLine(text: string, max = 100): string {
  const first = text.trim().split('\n')[0] ?? '';
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
