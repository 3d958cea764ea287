// The published result schema (schema/okta-link-result.v2.json) for the e2e suites: every
// delivered payload (submit body, `connected` message, redirect parameters) is validated with
// `assertValid`. A validator for exactly the subset of JSON Schema 2020-12 that the file uses
// (type, const, enum, required, properties, additionalProperties false, items, $ref to # or
// #/$defs/NAME, minimum, format date-time), the twin of tests/support/schema.rs (whose
// native test also refuses any other keyword in the file). No npm package: ajv is not among the
// project's packages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

export const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'schema/okta-link-result.v2.json'), 'utf8'));

const resolve = (ref) => {
  if (ref === '#') return SCHEMA;
  const m = ref.match(/^#\/\$defs\/(\w+)$/);
  if (!m || !SCHEMA.$defs[m[1]]) throw new Error(`unsupported $ref ${ref}`);
  return SCHEMA.$defs[m[1]];
};

const typeOf = (v) => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v; // string, boolean, object
};

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function walk(schema, value, at, errors) {
  if (schema.$ref) walk(resolve(schema.$ref), value, at, errors);
  if (schema.type !== undefined) {
    const names = [].concat(schema.type);
    const actual = typeOf(value);
    if (!names.some((n) => n === actual || (n === 'number' && actual === 'integer'))) {
      errors.push(`${at}: expected ${names}, got ${actual}`);
      return;
    }
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    errors.push(`${at}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  }
  if (schema.enum && !schema.enum.some((o) => JSON.stringify(o) === JSON.stringify(value))) {
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) {
    errors.push(`${at}: ${value} < ${schema.minimum}`);
  }
  if (schema.format === 'date-time' && typeof value === 'string' && !DATE_TIME.test(value)) {
    errors.push(`${at}: ${JSON.stringify(value)} is not an RFC 3339 date-time`);
  }
  if (typeOf(value) === 'object') {
    for (const key of schema.required ?? []) if (!(key in value)) errors.push(`${at}: missing ${key}`);
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k];
      if (sub) walk(sub, v, `${at}.${k}`, errors);
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected property ${k}`);
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => walk(schema.items, v, `${at}[${i}]`, errors));
}

/** Errors of `value` against the sub-schema `ref` (`#`, `#/$defs/connection`, …). */
export function validate(ref, value) {
  const errors = [];
  walk(resolve(ref), value, '$', errors);
  return errors;
}

export function assertValid(ref, value) {
  const errors = validate(ref, value);
  assert.deepEqual(errors, [], `${ref}: ${errors.join('; ')}\n${JSON.stringify(value, null, 2)}`);
}
