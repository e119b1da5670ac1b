/**
 * Checks a JSON value against a schema of explorer/openapi.json — the subset of JSON Schema the
 * document uses ($ref, allOf, oneOf, type, const, enum, pattern, required, properties, items,
 * additionalProperties, minimum, maximum) — so the tests prove every answer matches the
 * published document. Returns the problems found (empty: conforms).
 */
import { readFileSync } from "node:fs";

type Schema = Record<string, unknown>;

export const openapi = JSON.parse(readFileSync(new URL("../../../explorer/openapi.json", import.meta.url), "utf8")) as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
};

/** The JSON schema of a response: `path` as written in the document ("/v1/messages/{ref}"). */
export function responseSchema(path: string, status: number): Schema {
  const response = openapi.paths[path]?.get?.responses[String(status)];
  const schema = response?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`openapi.json has no JSON ${status} response for GET ${path}`);
  return schema;
}

export function conforms(value: unknown, schema: Schema, at = "$"): string[] {
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = openapi.components.schemas[name];
    if (!target) return [`${at}: unknown $ref ${schema.$ref}`];
    return conforms(value, target, at);
  }
  const problems: string[] = [];
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as Schema[]) problems.push(...conforms(value, s, at));
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter((s) => conforms(value, s, at).length === 0);
    if (matching.length !== 1) problems.push(`${at}: matches ${matching.length} of oneOf's schemas`);
  }
  if ("const" in schema && value !== schema.const) problems.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  const type = schema.type as string | undefined;
  if (type && !hasType(value, type)) return [...problems, `${at}: expected ${type}, got ${JSON.stringify(value)}`];
  if (typeof value === "string" && typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value)) {
    problems.push(`${at}: "${value}" does not match ${schema.pattern}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) problems.push(`${at}: below minimum`);
    if (typeof schema.maximum === "number" && value > schema.maximum) problems.push(`${at}: above maximum`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => problems.push(...conforms(v, schema.items as Schema, `${at}[${i}]`)));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!(key in obj)) problems.push(`${at}: missing ${key}`);
    }
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, v] of Object.entries(obj)) {
      if (properties[key]) problems.push(...conforms(v, properties[key], `${at}.${key}`));
      else if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
        problems.push(...conforms(v, schema.additionalProperties as Schema, `${at}.${key}`));
      }
    }
  }
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}
