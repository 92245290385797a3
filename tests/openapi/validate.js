#!/usr/bin/env node
// tests/openapi/validate.js — validate kefu's OpenAPI document (the one
// kefu-gateway serves at /openapi.json) with real tools, not our own reading:
//
//   1. @apidevtools/swagger-parser: the document against the OpenAPI 3.1
//      schema, every $ref resolvable;
//   2. ajv (JSON Schema 2020-12, strict): every schema in it compiles with
//      no unknown keyword, and every example validates against its schema.
//
// Usage: node tests/openapi/validate.js openapi.json   (exit 0 when valid)
'use strict';

const SwaggerParser = require('@apidevtools/swagger-parser');
const Ajv2020 = require('ajv/dist/2020');

// Formats kefu's schemas name (kefu_json_schema): annotations, their ranges
// are spelled out with minimum/maximum.
const FORMATS = { int32: true, int64: true, uint32: true, uint64: true };

function mediaTypes(document) {
  const found = [];
  const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
  for (const [path, item] of Object.entries(document.paths || {})) {
    for (const method of methods) {
      const operation = item[method];
      if (!operation) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const body = operation.requestBody;
      for (const [type, media] of Object.entries((body && body.content) || {}))
        found.push({ where: `${where} request ${type}`, media });
      for (const [status, response] of Object.entries(operation.responses || {}))
        for (const [type, media] of Object.entries(response.content || {}))
          found.push({ where: `${where} ${status} ${type}`, media });
      for (const parameter of operation.parameters || [])
        found.push({ where: `${where} parameter ${parameter.name}`,
                     media: { schema: parameter.schema, example: parameter.example } });
    }
  }
  return found;
}

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: validate.js <openapi.json>');
    process.exit(2);
  }
  await SwaggerParser.validate(file);
  const document = await SwaggerParser.dereference(file);
  const ajv = new Ajv2020({ strict: true, allErrors: true, formats: FORMATS });
  let schemas = 0;
  let examples = 0;
  const problems = [];
  for (const [name, schema] of Object.entries(document.components.schemas || {})) {
    try {
      ajv.compile(schema);
      schemas++;
    } catch (error) {
      problems.push(`components.schemas.${name}: ${error.message}`);
    }
  }
  for (const { where, media } of mediaTypes(document)) {
    if (!media.schema) continue;
    let validate;
    try {
      validate = ajv.compile(media.schema);
      schemas++;
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
      continue;
    }
    if (media.example === undefined) continue;
    examples++;
    if (!validate(media.example))
      problems.push(`${where}: example does not match its schema: ${ajv.errorsText(validate.errors)}`);
  }
  if (problems.length) {
    for (const problem of problems) console.error(problem);
    process.exit(1);
  }
  console.log(`${file}: valid OpenAPI ${document.openapi}, ${Object.keys(document.paths).length} paths, ` +
              `${schemas} schemas compiled, ${examples} examples valid`);
}

main().catch((error) => {
  console.error(`${process.argv[2]}: ${error.message}`);
  process.exit(1);
});
