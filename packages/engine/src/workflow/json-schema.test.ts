import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatSchemaJson, workflowJsonSchema } from './json-schema.js';
import { SUPPORTED_STEP_TYPES } from './schema.js';

/**
 * The committed JSON Schema must equal the generated one. To regenerate it after changing schema.ts:
 *   UPDATE_SCHEMA=1 npx vitest run --project engine src/workflow/json-schema.test.ts
 * (or `node packages/engine/scripts/generate-schema.mjs`).
 */
const schemaFile = fileURLToPath(new URL('../../schema/workflow.schema.json', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

type Schema = Record<string, unknown>;

/** A validator for the JSON Schema subset the generator emits, to check the schema says what loading says. */
function validate(schema: Schema, value: unknown, root: Schema, path = ''): string[] {
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Schema)[key], root);
    return validate(target as Schema, value, root, path);
  }
  const errors: string[] = [];
  const fail = (message: string) => errors.push(`${path || '/'}: ${message}`);
  const type = schema.type as string | undefined;
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (type === 'object' && !isObject) return [`${path}: not an object`];
  if (type === 'array' && !Array.isArray(value)) return [`${path}: not an array`];
  if (type === 'string' && typeof value !== 'string') return [`${path}: not a string`];
  if (type === 'number' && typeof value !== 'number') return [`${path}: not a number`];
  if (type === 'integer' && !Number.isInteger(value)) return [`${path}: not an integer`];
  if (type === 'boolean' && typeof value !== 'boolean') return [`${path}: not a boolean`];
  if ('const' in schema && value !== schema.const) fail(`not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail('not in enum');
  if (typeof schema.minLength === 'number' && typeof value === 'string' && value.length < schema.minLength)
    fail('too short');
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum)
    fail('below minimum');
  if (typeof schema.maximum === 'number' && typeof value === 'number' && value > schema.maximum)
    fail('above maximum');
  if (
    typeof schema.exclusiveMinimum === 'number' &&
    typeof value === 'number' &&
    value <= schema.exclusiveMinimum
  )
    fail('not above exclusiveMinimum');
  if (typeof schema.minItems === 'number' && Array.isArray(value) && value.length < schema.minItems)
    fail('too few items');
  if (Array.isArray(value) && schema.items) {
    for (const [i, item] of value.entries())
      errors.push(...validate(schema.items as Schema, item, root, `${path}/${i}`));
  }
  if (isObject) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required as string[] | undefined) ?? [])
      if (!(key in value)) fail(`missing ${key}`);
    for (const [key, item] of Object.entries(value)) {
      if (properties[key]) errors.push(...validate(properties[key], item, root, `${path}/${key}`));
      else if (schema.additionalProperties === false) fail(`unexpected ${key}`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...validate(schema.additionalProperties as Schema, item, root, `${path}/${key}`));
    }
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const options = schema[keyword] as Schema[] | undefined;
    if (!options) continue;
    const passing = options.filter((option) => validate(option, value, root, path).length === 0).length;
    if (keyword === 'anyOf' ? passing === 0 : passing !== 1) fail(`${keyword}: ${passing} options match`);
  }
  return errors;
}

describe('workflow JSON Schema', () => {
  const generated = formatSchemaJson(workflowJsonSchema());

  it('is committed as schema/workflow.schema.json, up to date', () => {
    if (process.env.UPDATE_SCHEMA) writeFileSync(schemaFile, generated);
    expect(readFileSync(schemaFile, 'utf8')).toBe(generated);
  });

  const schema = JSON.parse(generated) as Schema;

  it('is formatted as JSON of the same value', () => {
    expect(schema).toEqual(workflowJsonSchema());
  });

  it('is a draft-07 schema whose references all resolve', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const refs = [...generated.matchAll(/"\$ref": "#\/([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(
        ref.split('/').reduce<unknown>((node, key) => (node as Schema | undefined)?.[key], schema),
        ref,
      ).toBeDefined();
    }
  });

  it('describes every supported step type, with strict objects', () => {
    const steps = ((schema.properties as Schema).agents as Schema).items as Schema;
    const options = steps.oneOf as Schema[];
    const types = options.map((option) => ((option.properties as Schema).type as Schema).const);
    expect(types).toEqual([...SUPPORTED_STEP_TYPES]);
    for (const option of options) expect(option.additionalProperties).toBe(false);
  });

  // `${VAR}` in a number or boolean field is a string until it is substituted, so editors flag it; the loader
  // does not (see env-substitution.yaml).
  const editorValid = readdirSync(`${fixtures}valid`).filter(
    (name) => name.endsWith('.yaml') && name !== 'env-substitution.yaml',
  );

  it.each(editorValid)('accepts the valid fixture %s', (name) => {
    const data: unknown = parseYaml(readFileSync(`${fixtures}valid/${name}`, 'utf8'));
    expect(validate(schema, data, schema)).toEqual([]);
  });

  it.each([
    // A step that matches no step type is reported at the step (the schema cannot tell which one was meant).
    ['unknown-key.yaml', '/agents/0: oneOf: 0 options match'],
    ['wrong-type.yaml', '/agents/0: oneOf: 0 options match'],
    ['negative-script-timeout.yaml', '/agents/0: oneOf: 0 options match'],
    ['missing-entry-point.yaml', '/workflow: missing entry_point'],
    ['non-positive-limit.yaml', '/workflow/limits/max_iterations: below minimum'],
    ['bad-input-default.yaml', ''],
    ['tool-not-in-workflow-tools.yaml', ''],
    ['for-each-max-concurrent.yaml', '/for_each/0/max_concurrent: below minimum'],
    ['gate-without-options.yaml', '/agents/0: oneOf: 0 options match'],
    ['parallel-unknown-agent.yaml', ''],
  ])('checks the invalid fixture %s: %s', (name, problem) => {
    const data: unknown = parseYaml(readFileSync(`${fixtures}invalid/${name}`, 'utf8'));
    const errors = validate(schema, data, schema);
    // A default of the wrong type needs the semantic check: JSON Schema cannot relate "default" to "type".
    if (problem === '') expect(errors).toEqual([]);
    else expect(errors).toContain(problem);
  });
});
