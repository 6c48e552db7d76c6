import { readFileSync } from 'node:fs';
import { PluginError } from '../errors.js';
import { loadConfig } from './load-config.js';
import type { Config } from './types.js';

export function readConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PluginError('ERR_CONFIG_READ', `cannot read config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { path }, { cause: error });
  }
  return loadConfig(text, path);
}
