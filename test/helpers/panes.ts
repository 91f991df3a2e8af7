// Reading a drawn frame as a user does: the text of one pane.

/** The text of one pane: the cells under its title, between its borders. */
export function pane(lines: string[], title: string): string[] {
	const top = lines.findIndex(l => l.includes(title));
	if (top < 0) return [];
	const left = lines[top]!.lastIndexOf('┌', lines[top]!.indexOf(title));
	const right = lines[top]!.indexOf('┐', left);
	const out: string[] = [];
	for (let i = top + 1; i < lines.length && lines[i]![left] === '│'; i++) out.push(lines[i]!.slice(left + 1, right).trimEnd());
	return out;
}
