// Every init runs as PID 1 of a fresh PID namespace. --kill-child makes the
// namespace die with unshare, so killing what we started never leaks a tree.

export const UNSHARE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];

export function wrapInNamespace(argv: readonly string[]): string[] {
  return [...UNSHARE, ...argv];
}
