import Ajv from 'ajv';
import options from './ajv-options.json';
import schema from './config.schema.json';

/**
 * The config schema, compiled. The bundle replaces this module with ajv's standalone code,
 * generated at build time from the same schema and options (scripts/build.mjs), so `run` does
 * not load ajv and compile the schema at every start.
 */
export const validateSchema = new Ajv(options).compile(schema);
