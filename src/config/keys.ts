// The keys the validator accepts at each level. The JSON schema test compares
// schema/pidone.schema.json against these, so keep them the single list.

export const TOP_KEYS = ['stop_grace', 'log_format', 'log_timestamps', 'services'] as const;

// Top-level keys starting with this are ignored, as in Compose: a place for YAML anchors.
export const EXTENSION_PREFIX = 'x-';

export const SERVICE_KEYS = [
  'command', 'env', 'env_file', 'cwd', 'user', 'group',
  'stop_signal', 'stop_timeout', 'reload_signal', 'forward_signals',
  'restart', 'backoff', 'max_restarts', 'restart_window', 'on_give_up',
  'depends_on', 'oneshot', 'ready', 'health', 'main', 'required',
] as const;

export const BACKOFF_KEYS = ['initial', 'max', 'factor', 'reset_after'] as const;

export const PROBE_KEYS = ['tcp', 'http', 'exec', 'file', 'ipc', 'notify_fd', 'sd_notify'] as const;

export const READY_KEYS = [...PROBE_KEYS, 'timeout', 'interval'] as const;

export const HTTP_PROBE_KEYS = ['url', 'status'] as const;

export const HEALTH_PROBE_KEYS = ['tcp', 'http', 'exec', 'file'] as const;

export const HEALTH_KEYS = [...HEALTH_PROBE_KEYS, 'interval', 'timeout', 'retries'] as const;

export const DEPENDENCY_KEYS = ['condition'] as const;

export const RESTART_POLICIES = ['no', 'on-failure', 'always'] as const;
export const GIVE_UP_ACTIONS = ['ignore', 'stop-container'] as const;
export const DEPENDENCY_CONDITIONS = ['started', 'ready', 'completed_successfully'] as const;
export const LOG_FORMATS = ['text', 'json'] as const;

export const SERVICE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
