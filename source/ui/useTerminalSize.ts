// Ink does not re-render on resize: keep the size in state and listen to the
// stdout's 'resize' event ourselves. Defaults when a stream has no size.

import {useStdout} from 'ink';
import {useEffect, useState} from 'react';
import {readSize as read, type Size} from './frame.js';

export type {Size} from './frame.js';

export function useTerminalSize(): Size {
	const {stdout} = useStdout();
	const [size, setSize] = useState<Size>(() => read(stdout));
	useEffect(() => {
		if (!stdout) return;
		const onResize = (): void => {
			const next = read(stdout);
			setSize(prev => (prev.columns === next.columns && prev.rows === next.rows ? prev : next));
		};
		onResize();
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}
