// Text that came from a file (a scenario, a recording) is shown, never obeyed:
// control characters would let the file move the cursor, retitle or recolour
// the terminal (ESC ] 2 ; ... BEL), or make a one-line error several lines.
// `visible` spells them out the way `cat -v` and less do: ^[ for ESC, ^G for
// BEL, \u007f for DEL, \u009b for the C1 controls, \u202e for the bidi controls
// (which reorder what is drawn: "Trojan Source").
//
// Shared by the CLI's output, the diagnostics and the TUI's frame.

// C0 and C1 controls, DEL, and the Unicode format characters that change how text is laid out.
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');
const UNSAFE_KEEP_NL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function spell(ch: string): string {
	const c = ch.charCodeAt(0);
	if (c < 0x20) return '^' + String.fromCharCode(c + 64);
	// \u escapes (not \x) for the rest: inside a JSON string (--json) they are valid and mean the same character
	return '\\u' + c.toString(16).padStart(4, '0');
}

/**
 * `text` with every control character spelled out. Tabs stay (callers that
 * lay out columns expand them); newlines are spelled out too unless
 * `lines` is set, for text that is meant to be several lines.
 */
export function visible(text: string, opts: {lines?: boolean} = {}): string {
	if (!UNSAFE.test(text)) return text;
	return text.replace(opts.lines ? UNSAFE_KEEP_NL : UNSAFE_ALL, spell);
}

/** Whether `visible` would change the text (cheap: one regular-expression test). */
export const hasControl = (text: string): boolean => UNSAFE.test(text);

/** Lines of a source text: LF, CRLF and CR-only (old Mac) line endings each end a line, as in the lexer. */
export const splitLines = (text: string): string[] => text.split(/\r\n|\r|\n/);
