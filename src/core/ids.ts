// The largest uid or gid pidone passes on: (uid_t)-1 means "unchanged" to
// setuid(), and anything larger wraps around (to 0, root) through a C uid_t.
export const MAX_ID = 4294967294;
