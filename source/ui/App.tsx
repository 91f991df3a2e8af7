// The TUI root: one input owner (useInput -> keymap -> controller), the
// terminal size from our own hook, and the screen drawn as exact lines.

import {useApp, useInput} from 'ink';
import React, {useCallback, useEffect, useMemo, useReducer, useRef} from 'react';
import type {Session} from '../session/types.js';
import {Controller, type Services} from './controller.js';
import {keyNames} from './keymap.js';
import {screenLines} from './layout.js';
import {Screen} from './Screen.js';
import {useTerminalSize} from './useTerminalSize.js';

export type AppProps = {
	session: Session;
	services?: Services;
	sets?: Record<string, string>;
	/** Called once when the user quits, with the session as it is then. */
	onQuit?: (session: Session) => void;
	/** For tests and embedding: the controller is exposed here. */
	controllerRef?: {current: Controller | null};
	/** A first message (e.g. after a prefill). */
	initialMessage?: string;
	/** An existing controller (run.tsx draws the first frame with it before Ink loads). */
	controller?: Controller;
};

export function App({session, services, sets, onQuit, controllerRef, initialMessage, controller}: AppProps): React.JSX.Element {
	const {exit} = useApp();
	const size = useTerminalSize();
	const [tick, bump] = useReducer((n: number) => n + 1, 0);
	const ctl = useRef<Controller | null>(null);
	if (ctl.current === null) {
		ctl.current = controller ?? new Controller(session, services, sets);
		if (initialMessage) ctl.current.message = {text: initialMessage, kind: 'info'};
	}
	const c = ctl.current;
	// keys are judged against the screen they act on (none act under "terminal too small")
	c.size = size;
	if (controllerRef) controllerRef.current = c;
	useEffect(() => {
		c.onChange = bump;
	}, [c]);
	const quitting = useRef(false);
	const handler = useCallback(
		(input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
			if (quitting.current) return;
			let r: 'quit' | null = null;
			try {
				r = c.keys(keyNames(input, key));
			} catch (err) {
				c.pending = null;
				c.message = {text: `error: ${err instanceof Error ? err.message : String(err)}`, kind: 'error'};
			}
			if (r === 'quit') {
				quitting.current = true;
				onQuit?.(c.session);
				exit();
				return;
			}
			bump();
		},
		[c, exit, onQuit],
	);
	useInput(handler);
	// eslint-disable-next-line react-hooks/exhaustive-deps
	const lines = useMemo(() => screenLines(c.view(), size), [c, size, tick]);
	return <Screen lines={lines} size={size} />;
}
