// The syntax tree of a scenario file, as the parser produces it. Every node
// carries the position of its first token so later passes can point at it.

export type Pos = {line: number; col: number};

export type Expr =
	| {kind: 'int'; value: number; pos: Pos}
	| {kind: 'bool'; value: boolean; pos: Pos}
	| {kind: 'null'; pos: Pos}
	| {kind: 'name'; name: string; pos: Pos}
	| {kind: 'unary'; op: '!' | '-' | '~'; arg: Expr; pos: Pos}
	| {kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: Pos}
	| {kind: 'call'; callee: string; args: Expr[]; pos: Pos}
	| {kind: 'field'; object: Expr; field: string; pos: Pos}
	/** `c ? a : b` */
	| {kind: 'cond'; cond: Expr; then: Expr; else: Expr; pos: Pos}
	/** `&x`: the address of a shared variable or lock (what lock and atomic calls take). */
	| {kind: 'addr'; arg: Expr; pos: Pos}
	/** `a[i]`: an element of a shared array. */
	| {kind: 'index'; array: string; index: Expr; pos: Pos};

export type BinaryOp =
	| '||' | '&&'
	| '==' | '!='
	| '<' | '<=' | '>' | '>='
	| '|' | '^' | '&'
	| '<<' | '>>'
	| '+' | '-' | '*' | '/' | '%';

/** C's binary operators by precedence, loosest first (all left-associative). */
export const BINARY_LEVELS: readonly (readonly BinaryOp[])[] = [
	['||'],
	['&&'],
	['|'],
	['^'],
	['&'],
	['==', '!='],
	['<', '<=', '>', '>='],
	['<<', '>>'],
	['+', '-'],
	['*', '/', '%'],
];

export type Stmt =
	/** `index`: the target is that element of the shared array `target`. */
	| {kind: 'assign'; target: string; index?: Expr; value: Expr; pos: Pos}
	| {kind: 'expr'; expr: Expr; pos: Pos}
	| {kind: 'if'; cond: Expr; then: Stmt; else?: Stmt; pos: Pos}
	| {kind: 'while'; cond: Expr; body: Stmt; pos: Pos}
	/** `do body while (cond);`: `whilePos` is where the test's step stands. */
	| {kind: 'do'; body: Stmt; cond: Expr; pos: Pos; whilePos: Pos}
	| {kind: 'goto'; label: string; pos: Pos}
	| {kind: 'label'; name: string; pos: Pos}
	/** In a cpu block: the CPU finishes (a value is allowed and ignored). In a helper: returns to the call site. */
	| {kind: 'return'; value?: Expr; pos: Pos}
	| {kind: 'for'; init?: Stmt; cond?: Expr; step?: Stmt; body: Stmt; pos: Pos}
	| {kind: 'break'; pos: Pos}
	| {kind: 'continue'; pos: Pos}
	| {kind: 'await'; cond: Expr; pos: Pos}
	| {kind: 'atomic'; body: Stmt[]; pos: Pos}
	| {kind: 'assert'; cond: Expr; message?: string; pos: Pos}
	| {kind: 'block'; body: Stmt[]; pos: Pos}
	| {kind: 'empty'; pos: Pos};

/** `known` verdicts are established facts; the others carry the ✱ label. */
export type Basis = 'known' | 'derived' | 'hypothesis';

export type Expect = {
	/** `safe` = no violation of any kind; `violation` = this kind is reachable; `no` = it is not. */
	form: 'safe' | 'violation' | 'no';
	violation?: string;
	/** `safe` inherited by a variant that expects some kinds: no violation of any other kind. */
	except?: string[];
	basis: Basis;
	note?: string;
	pos: Pos;
};

export type ParamDecl = {
	name: string;
	/** Default value: the first alternative for enums. */
	value: number | boolean | string;
	/** For enums: every allowed value, the default first. */
	choices?: string[];
	/** For ints: the allowed inclusive range. */
	range?: [number, number];
	doc?: string;
	pos: Pos;
};

export type VariantDecl = {
	name: string;
	doc?: string;
	settings: {name: string; value: Expr; pos: Pos}[];
	expects: Expect[];
	pos: Pos;
};

/** An item of the `machine { }` block: a set-up call, or a conditional group of them. */
export type MachineItem =
	| {kind: 'setup'; call: string; args: Expr[]; pos: Pos}
	| {kind: 'if'; cond: Expr; then: MachineItem[]; else: MachineItem[]; pos: Pos};

export type CpuDecl = {
	id: number;
	label: string;
	body: Stmt[];
	pos: Pos;
	/** Line of the closing brace: where a finished CPU's cursor rests. */
	endLine: number;
	/** `cpu N "label" * count { }`: copies get the next free CPU ids. */
	replicas?: Expr;
};

/** `irq NAME on cpu N "label" { }`: an interrupt handler that runs on CPU N when raise_irq(NAME) is taken there. */
export type IrqDecl = {
	name: string;
	cpu: number;
	label: string;
	body: Stmt[];
	pos: Pos;
	endLine: number;
};

/** What a top-level declaration `int x = 0;`, `atomic_t n;`, `spinlock_t l;`... declares. */
export type GlobalKind = 'int' | 'bool' | 'atomic' | 'value' | 'spinlock' | 'mutex' | 'rwsem';

export type GlobalDecl = {
	name: string;
	kind: GlobalKind;
	/** The C type as written (`struct page *`), for display. */
	type: string;
	init?: Expr;
	/** `int cnt[N];`: an array of N elements (a constant expression). */
	length?: Expr;
	pos: Pos;
};

/** `static inline bool name(pte_t a, int b) { ... }`: inlined at every call site. */
export type FunctionDecl = {
	name: string;
	params: string[];
	returnsValue: boolean;
	body: Stmt[];
	pos: Pos;
	/** Line of the closing brace (where a body that falls off its end returns). */
	endLine: number;
};

export type Scenario = {
	name: string;
	title?: string;
	era?: string;
	sources: string[];
	notes: string[];
	params: ParamDecl[];
	consts: {name: string; value: Expr; pos: Pos}[];
	expects: Expect[];
	variants: VariantDecl[];
	machine: MachineItem[];
	cpus: CpuDecl[];
	invariants: {name: string; expr: Expr; pos: Pos}[];
	globals: GlobalDecl[];
	functions: FunctionDecl[];
	irqs: IrqDecl[];
	pos: Pos;
};
