// Draw exact lines. On a real terminal (a FrameSink in context, see frame.ts)
// the lines are written directly and nothing is rendered into Ink; otherwise
// (tests, embedding) one <Text> per line holding a pre-styled (SGR) string.

import {Box, Text} from 'ink';
import React, {createContext, useContext, useLayoutEffect, useMemo} from 'react';
import {ansiLine, colorEnabled} from './ansi.js';
import type {FrameSink, Size} from './frame.js';
import type {Line} from './text.js';

export {ansiLine, colorEnabled} from './ansi.js';

/** Set by run.tsx on a real terminal: frames bypass Ink's output stage. */
export const FrameSinkContext = createContext<FrameSink | null>(null);

const LineView = React.memo(function LineView({text}: {text: string}): React.JSX.Element {
	return <Text wrap="truncate">{text}</Text>;
});

/** The root takes Ink's own width (the terminal's): on a resize the old frame is truncated, never wrapped. */
export function Screen({lines, size}: {lines: Line[]; size?: Size}): React.JSX.Element | null {
	const sink = useContext(FrameSinkContext);
	const color = colorEnabled();
	const text = useMemo(() => lines.map(l => ansiLine(l, color)), [lines, color]);
	const rows = size?.rows ?? lines.length + 1;
	const columns = size?.columns ?? 0;
	useLayoutEffect(() => {
		sink?.draw(text, {columns, rows});
	}, [sink, text, columns, rows]);
	if (sink) return null;
	return (
		<Box flexDirection="column">
			{text.map((t, i) => (
				<LineView key={i} text={t} />
			))}
		</Box>
	);
}
