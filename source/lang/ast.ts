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
	| {kind: 'field'; object: Expr; field: string; pos: Pos};

export type BinaryOp =
	| '||' | '&&'
	| '==' | '!='
	| '<' | '<=' | '>' | '>='
	| '|' | '^' | '&'
	| '<<' | '>>'
	| '+' | '-' | '*' | '/' | '%';

export type Stmt =
	| {kind: 'assign'; target: string; value: Expr; pos: Pos}
	| {kind: 'expr'; expr: Expr; pos: Pos}
	| {kind: 'if'; cond: Expr; then: Stmt; else?: Stmt; pos: Pos}
	| {kind: 'while'; cond: Expr; body: Stmt; pos: Pos}
	| {kind: 'goto'; label: string; pos: Pos}
	| {kind: 'label'; name: string; pos: Pos}
	| {kind: 'return'; pos: Pos}
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
	pos: Pos;
};
