// The C types a scenario may write at the top level (`int x = 0;`,
// `struct page *saved;`, `static bool f(...)`) and what each is in the model.

import type {GlobalKind} from './ast.js';

/** C type words that start a top-level declaration (`int x = 0;`, `static bool f(...)`). */
export const TYPE_WORDS = new Set([
	'void', 'int', 'long', 'short', 'char', 'unsigned', 'signed', 'bool', 'u8', 'u16', 'u32', 'u64', 's32', 's64', 'size_t',
	'atomic_t', 'atomic_long_t', 'spinlock_t', 'raw_spinlock_t', 'pte_t', 'pmd_t', 'pud_t', 'pgtable_t', 'pgprot_t', 'pfn_t', 'vm_fault_t', 'seqcount_t',
]);
export const DECL_PREFIX = new Set(['static', 'inline', 'struct', 'extern']);
/** `DEFINE_SPINLOCK(l);` and friends: the kernel's macros for a statically initialised lock. */
export const LOCK_MACROS: Record<string, GlobalKind> = {DEFINE_SPINLOCK: 'spinlock', DEFINE_RAW_SPINLOCK: 'spinlock', DEFINE_MUTEX: 'mutex', DECLARE_RWSEM: 'rwsem'};
/**
 * Type names a scenario writer reaches for that the kernel spells otherwise:
 * the top level's "unknown keyword" names the kernel's spelling.
 */
export const TYPE_SPELLINGS: Record<string, string> = {
	mutex_t: 'struct mutex',
	mutex: 'struct mutex',
	pthread_mutex_t: 'struct mutex',
	rw_semaphore: 'struct rw_semaphore',
	rwsem_t: 'struct rw_semaphore',
	rw_semaphore_t: 'struct rw_semaphore',
	spinlock: 'spinlock_t',
	pthread_spinlock_t: 'spinlock_t',
	atomic: 'atomic_t',
	atomic_int: 'atomic_t',
	seqcount: 'seqcount_t',
	boolean: 'bool',
	_Bool: 'bool',
};
// seqcount_t: the sequence is an integer the seqcount calls read and bump (include/linux/seqlock.h).
const INT_TYPES = new Set(['int', 'long', 'short', 'char', 'unsigned', 'signed', 'u8', 'u16', 'u32', 'u64', 's32', 's64', 'size_t', 'vm_fault_t', 'seqcount_t']);

/** What a declared C type is, in the model. */
export function globalKind(words: string[], pointer: boolean): GlobalKind {
	if (pointer) return 'value';
	const last = words[words.length - 1]!;
	if (words[0] === 'struct') return last === 'mutex' ? 'mutex' : last === 'rw_semaphore' ? 'rwsem' : 'value';
	if (last === 'spinlock_t' || last === 'raw_spinlock_t') return 'spinlock';
	if (last === 'atomic_t' || last === 'atomic_long_t') return 'atomic';
	if (last === 'bool') return 'bool';
	if (words.every(w => INT_TYPES.has(w))) return 'int';
	return 'value';
}
