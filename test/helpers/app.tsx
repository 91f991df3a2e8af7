// The TUI component tests' harness: a session stepped along a schedule, and
// App mounted at a size with its controller exposed, unmounted after each test.

import React from 'react';
import {afterEach} from 'vitest';
import {openModel} from '../../source/commands/common.js';
import {parseSchedule} from '../../source/lang/schedule.js';
import {createSession} from '../../source/session/session.js';
import type {Session} from '../../source/session/types.js';
import {App} from '../../source/ui/App.js';
import type {Controller, Services} from '../../source/ui/controller.js';
import {renderAt} from '../../source/ui/testing.js';

export function fresh(schedule = '', name = 'fsdax-unbind-2021'): Session {
	const s = createSession(openModel(name));
	for (const t of schedule ? parseSchedule(schedule) : []) {
		const r = s.step(t);
		if (!r.ok) throw new Error(r.reason);
	}
	return s;
}

let mounted: {unmount: () => void}[] = [];
afterEach(() => {
	for (const m of mounted) m.unmount();
	mounted = [];
});

/** Unmount this render after the test, as mountApp's are. */
export function track<T extends {unmount: () => void}>(r: T): T {
	mounted.push(r);
	return r;
}

export function mountApp(session: Session, columns: number, rows: number, services: Services = {}) {
	const ref: {current: Controller | null} = {current: null};
	const r = renderAt(<App session={session} services={services} controllerRef={ref} />, columns, rows);
	mounted.push(r);
	return {...r, ctl: ref};
}
