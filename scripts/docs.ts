// npm run docs: regenerate docs/primitives.md from the registries.
import {writeFileSync} from 'node:fs';
import {primitivesReference} from '../source/lang/reference.js';

writeFileSync(new URL('../docs/primitives.md', import.meta.url), primitivesReference());
console.log('wrote docs/primitives.md');
