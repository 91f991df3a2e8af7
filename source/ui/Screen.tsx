// Draw exact lines with Ink: one <Text> per line, one nested <Text> per run of
// equally styled cells.

import {Box, Text} from 'ink';
import React from 'react';
import type {Line, Seg} from './text.js';

const same = (a: Seg, b: Seg): boolean => a.color === b.color && a.bg === b.bg && a.bold === b.bold && a.dim === b.dim && a.inverse === b.inverse;

function merge(line: Line): Seg[] {
	const out: Seg[] = [];
	for (const s of line) {
		if (!s.text) continue;
		const last = out[out.length - 1];
		if (last && same(last, s)) out[out.length - 1] = {...last, text: last.text + s.text};
		else out.push(s);
	}
	return out;
}

function LineView({line}: {line: Line}): React.JSX.Element {
	const segs = merge(line);
	if (segs.length === 0) return <Text> </Text>;
	return (
		<Text wrap="truncate">
			{segs.map((s, i) => (
				<Text key={i} color={s.color} backgroundColor={s.bg} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
					{s.text}
				</Text>
			))}
		</Text>
	);
}

export const Screen = React.memo(function Screen({lines, width}: {lines: Line[]; width: number}): React.JSX.Element {
	return (
		<Box flexDirection="column" width={width}>
			{lines.map((l, i) => (
				<LineView key={i} line={l} />
			))}
		</Box>
	);
});
