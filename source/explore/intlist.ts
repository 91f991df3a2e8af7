// A growable list of 32-bit integers over an Int32Array: the livelock graph's
// edges and tree (millions of entries at four CPUs). Half the bytes of a JS
// array of small integers, and nothing for the garbage collector to trace.

export class IntList {
	private data: Int32Array;
	length = 0;

	constructor(capacity = 1024) {
		this.data = new Int32Array(capacity);
	}

	push(v: number): void {
		if (this.length === this.data.length) {
			const bigger = new Int32Array(this.data.length * 2);
			bigger.set(this.data);
			this.data = bigger;
		}
		this.data[this.length++] = v;
	}

	get(i: number): number {
		return this.data[i]!;
	}

	set(i: number, v: number): void {
		this.data[i] = v;
	}
}
