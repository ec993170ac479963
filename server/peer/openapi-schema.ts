// Schema helpers shared by the parts of the OpenAPI document (openapi.ts spreads the parts
// openapi-<capability>.ts in; each builds its schemas with these).
export type Schema = Record<string, unknown>;
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const hex = (digits: number): Schema => ({
  type: 'string',
  pattern: `^[0-9a-f]{${digits}}$`,
});
export const str: Schema = { type: 'string' };
export const int: Schema = { type: 'integer', minimum: 0 };
export const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
export const list = (items: Schema): Schema => ({ type: 'array', items });
export const did: Schema = { type: 'string', pattern: '^did:key:z' };
export function obj(properties: Record<string, Schema>, optional: string[] = []): Schema {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
  };
}
export const strict = (schema: Schema): Schema => ({ ...schema, additionalProperties: false });
