// process.binding() still hands out libuv handle types on Node 20-24 (which
// ones varies: Node 24 has no signal_wrap). They let PID 1 use a libuv handle
// without loading the JS module built on it. null when this Node has none.
export function loadBinding<T>(name: string): T | null {
  const proc = process as unknown as { binding?: (name: string) => unknown; noDeprecation?: boolean };
  if (typeof proc.binding !== 'function') return null;
  const quiet = proc.noDeprecation;
  proc.noDeprecation = true; // Node 22 warns on process.binding(); pidone's stderr is not for that
  try {
    return proc.binding(name) as T;
  } catch {
    return null;
  } finally {
    proc.noDeprecation = quiet;
  }
}
