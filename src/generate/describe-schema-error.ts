import type { ErrorObject } from 'ajv';
import { describeValue } from '../errors.js';

/**
 * Turns one ajv error (compiled with `verbose: true`) into "JSON path: what is wrong (got value);
 * expected …", taking "expected" from the failing schema's description. Returns undefined for
 * errors that only repeat another one.
 */
export function describeSchemaError(error: ErrorObject): string | undefined {
  const path = error.instancePath || '/';
  const expected = descriptionOf(error.parentSchema);
  switch (error.keyword) {
    case 'propertyNames':
      // The failing name's own error (with propertyName set) says what is wrong with it.
      return undefined;
    case 'required': {
      const missing = String(error.params['missingProperty']);
      const hint = descriptionOf(propertySchemas(error.parentSchema)[missing]);
      return `${childPath(error.instancePath, missing)}: is missing${hint ? `; expected ${hint}` : ''}`;
    }
    case 'additionalProperties': {
      const extra = String(error.params['additionalProperty']);
      const known = Object.keys(propertySchemas(error.parentSchema)).map((key) => `"${key}"`);
      return `${childPath(error.instancePath, extra)}: unknown setting; expected one of ${known.join(', ')}`;
    }
    case 'not':
      // Used for settings the generator owns; the description says what to do instead.
      return `${path}: ${expected ?? 'is not allowed here'}`;
    default: {
      const where = error.propertyName === undefined ? path : childPath(error.instancePath, error.propertyName);
      const value = error.propertyName === undefined ? error.data : error.propertyName;
      return `${where}: ${error.message ?? 'is invalid'} (got ${describeValue(value)})${expected ? `; expected ${expected}` : ''}`;
    }
  }
}

// --- internal ---

function childPath(parent: string, key: string): string {
  return `${parent}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function descriptionOf(schema: unknown): string | undefined {
  const description = isRecord(schema) ? schema['description'] : undefined;
  return typeof description === 'string' ? description : undefined;
}

function propertySchemas(schema: unknown): Record<string, unknown> {
  const properties = isRecord(schema) ? schema['properties'] : undefined;
  return isRecord(properties) ? properties : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
