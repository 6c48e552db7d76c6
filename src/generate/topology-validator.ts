import Ajv from 'ajv';
import type { Topology } from './topology.js';
import options from './topology-ajv-options.json';
import { topologyFormats } from './topology-formats.js';
import schema from './topology.schema.json';

/**
 * The topology schema, compiled. The bundle replaces this module with ajv's standalone code,
 * generated at build time from the same schema, options and formats (scripts/build.mjs), so no
 * command loads ajv itself at start-up.
 */
export const validateTopologySchema = new Ajv({ ...options, formats: topologyFormats }).compile<Topology>(schema);
