// Plain data (from YAML or JSON) -> a typed Config. The first error wins; checks
// run structure and types first, then cross-references, then cycles.
import { resolve } from 'node:path';
import type { Config } from './types';
import { descend, fail, type Cursor, type Locate } from './cursor';
import { checkCycles, checkDependencies } from './graph';
import { EXTENSION_PREFIX, LOG_FORMATS, SERVICE_NAME_PATTERN, TOP_KEYS } from './keys';
import { checkKeys, readBoolean, readDuration, readEnum, readMapping, readOptional } from './read';
import { readService, type ParsedService } from './service';

export interface ValidateOptions {
  cwd?: string;          // to make `file` absolute; default process.cwd()
  locate?: Locate | null; // maps a path in the data to a line in the source
}

export function validateConfig(raw: unknown, file: string, options: ValidateOptions = {}): Config {
  const root: Cursor = { file, segments: [], locate: options.locate ?? null };
  const absolute = resolve(options.cwd ?? process.cwd(), file);
  if (raw === null || raw === undefined) fail(root, 'the file is empty; add a services: mapping with at least one service', 'a services: mapping');
  const top = readMapping(root, raw);
  checkKeys(root, new Map([...top].filter(([key]) => !key.startsWith(EXTENSION_PREFIX))), TOP_KEYS);
  const stopGraceMs = readOptional(root, top, 'stop_grace', readDuration, 8000);
  const logFormat = readOptional(root, top, 'log_format', (at, v) => readEnum(at, v, LOG_FORMATS), 'text');
  const logTimestamps = readOptional(root, top, 'log_timestamps', readBoolean, false);
  const services = readServices(root, top.get('services'), top.has('services'), absolute);
  const config: Config = { file: absolute, stopGraceMs, logFormat, logTimestamps, services: services.map((s) => s.config) };
  checkSingleMain(services);
  checkDependencies(services);
  checkCycles(services, descend(root, 'services'));
  return config;
}

function readServices(root: Cursor, v: unknown, present: boolean, file: string): ParsedService[] {
  const c = descend(root, 'services');
  const example = 'a mapping of service names to services, e.g. web: {command: [...]}';
  if (!present) fail(c, 'missing; add services: with at least one service', example);
  const entries = [...readMapping(c, v)];
  if (entries.length === 0) fail(c, 'no services; add at least one service', example);
  return entries.map(([name, spec]) => {
    const at = descend(c, name);
    if (!SERVICE_NAME_PATTERN.test(name)) {
      fail(at, `bad service name "${name}"; use letters, digits, "_", "." and "-", starting with a letter or digit`, `a name matching ${SERVICE_NAME_PATTERN.source}`, 'key');
    }
    return readService(at, name, spec, file);
  });
}

function checkSingleMain(services: readonly ParsedService[]): void {
  const mains = services.filter((s) => s.config.main);
  if (mains.length > 1) {
    const [first, second] = mains;
    fail(descend(second!.cursor, 'main'), `a second main service ("${first!.config.name}" is main already); only one service can have main: true`, 'at most one main service');
  }
}
