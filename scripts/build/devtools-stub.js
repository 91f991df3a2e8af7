// Stands in for react-devtools-core in the bundle: Ink loads it only when
// DEV=true, and racewalk never connects to React DevTools.
export default {initialize() {}, connectToDevTools() {}};
