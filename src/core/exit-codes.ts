// pidone's own exit codes. Every other code is the child's (0-255, 128+N for signal N).
export const EXIT_USAGE = 1;        // bad command line: unknown option, missing command, bad value
export const EXIT_CONFIG = 2;       // supervisor config file invalid (pidone up / validate)
export const EXIT_UNHEALTHY = 1;     // pidone status / check: a required service is not running or not ready
export const EXIT_UNREACHABLE = 3;   // pidone status / check / ps ...: no pidone answers on the control socket
export const EXIT_INTERNAL = 70;    // pidone itself failed: koffi cannot load, unsupported platform, unexpected errno
export const EXIT_CANNOT_EXEC = 126; // command found but not executable (EACCES, ENOEXEC, a directory)
export const EXIT_NOT_FOUND = 127;  // command not found (ENOENT on the file or its #! interpreter)
