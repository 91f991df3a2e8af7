// The flat state view lives with the machine (the session needs it for diffs);
// re-exported here for the renderers.
export * from '../machine/flatten.js';
