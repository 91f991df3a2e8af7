// Mounting the App with Ink on the real terminal, frames going to a FrameSink
// (frame.ts) instead of Ink's output. Loaded by run.tsx after the first frame
// is on screen: Ink and its dependencies take most of the start-up time.

import {render} from 'ink';
import React from 'react';
import type {Session} from '../session/types.js';
import {App} from './App.js';
import type {Controller} from './controller.js';
import type {FrameSink} from './frame.js';
import {FrameSinkContext} from './Screen.js';

export function mountApp(session: Session, controller: Controller, sink: FrameSink, onQuit: () => void): ReturnType<typeof render> {
	return render(
		<FrameSinkContext.Provider value={sink}>
			<App session={session} controller={controller} onQuit={onQuit} />
		</FrameSinkContext.Provider>,
		{exitOnCtrlC: false, patchConsole: false},
	);
}
