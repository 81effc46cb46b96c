// The validated, typed supervisor configuration. Produced by config/parse.ts
// from YAML or JSON; everything downstream trusts these types.

export type RestartPolicy = 'no' | 'on-failure' | 'always';
export type GiveUpAction = 'ignore' | 'stop-container';
export type DependencyCondition = 'started' | 'ready' | 'completed_successfully';
export type LogFormat = 'text' | 'json';

export type ReadyProbe =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'http'; url: string; expectStatus: [number, number] } // inclusive range, default [200, 399]
  | { kind: 'exec'; command: string[] }                           // string form becomes ['/bin/sh', '-c', s]
  | { kind: 'file'; path: string }
  | { kind: 'ipc' }                                                // Node process.send('ready')
  | { kind: 'notify-fd'; fd: number }                              // s6 style: a newline on fd N
  | { kind: 'sd-notify' };                                         // NOTIFY_SOCKET, READY=1

export interface Readiness {
  probe: ReadyProbe;
  timeoutMs: number;   // give up waiting (service counts as failed to become ready); default 60s
  intervalMs: number;  // between polls for tcp/http/exec/file; default 250ms
}

// Liveness: checked every interval once the service is running; after
// `retries` failures in a row the service is restarted.
export interface Health {
  probe: Extract<ReadyProbe, { kind: 'tcp' | 'http' | 'exec' | 'file' }>;
  intervalMs: number;  // default 10s
  timeoutMs: number;   // one check; default 5s
  retries: number;     // default 3
}

export interface Backoff {
  initialMs: number;   // default 1000
  maxMs: number;       // default 30000
  factor: number;      // default 2
  resetAfterMs: number; // a run at least this long resets the delay; default 60000
}

export interface Dependency {
  service: string;
  condition: DependencyCondition;
}

export interface ServiceConfig {
  name: string;
  command: string[];           // argv; a string command becomes ['/bin/sh', '-c', s]
  env: Record<string, string>; // merged over the container's environment (and env_file)
  envFile: string[];           // paths, resolved relative to the config file's folder
  cwd: string | null;
  user: string | null;         // name or numeric uid
  group: string | null;        // name or numeric gid
  stopSignal: number;          // default SIGTERM (15)
  stopTimeoutMs: number;       // default 5000
  reloadSignal: number | null; // SIGHUP to pidone is sent as this to the service; null: not forwarded
  forwardSignals: number[];    // signals pidone forwards to this service; default [USR1, USR2, WINCH] for main, [] otherwise
  restart: RestartPolicy;      // default 'no'
  backoff: Backoff;
  maxRestarts: number | null;  // within restartWindowMs; null = unlimited
  restartWindowMs: number;     // default 60000
  onGiveUp: GiveUpAction;      // default 'ignore'
  dependsOn: Dependency[];     // list form ["db"] means condition 'started'
  oneshot: boolean;
  ready: Readiness | null;
  health: Health | null;
  main: boolean;
  required: boolean;           // default true; counts for status/readiness
}

export interface Config {
  file: string;                // absolute path it was read from
  stopGraceMs: number;         // global deadline for the whole stop; default 8000
  logFormat: LogFormat;        // default 'text'
  logTimestamps: boolean;      // default false
  services: ServiceConfig[];   // in file order
}
