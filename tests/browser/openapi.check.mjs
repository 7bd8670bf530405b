// openapi.check.mjs: validates docs/openapi.json as OpenAPI 3.1
// (@apidevtools/swagger-parser), then validates real answers of the daemon against
// the schemas it declares for them (ajv, JSON Schema 2020-12).  Run by
// tests/integration/test_openapi.sh, which collects the answers.
//
//   node openapi.check.mjs SPEC ANSWERS.jsonl
// Each line of ANSWERS: {"method", "pattern", "status", "body"} (body: the parsed JSON).
import fs from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [specFile, answersFile] = process.argv.slice(2);
let failures = 0;
const fail = (m) => { failures++; console.error(`FAIL: ${m}`); };

const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
try {
  await SwaggerParser.validate(structuredClone(spec));
  console.log('openapi: the description is a valid OpenAPI 3.1 document');
} catch (e) {
  fail(`the description does not validate: ${e.message}`);
}
const deref = await SwaggerParser.dereference(structuredClone(spec));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default ? addFormats.default(ajv) : addFormats(ajv);

const seen = new Set();
let checked = 0;
for (const line of fs.readFileSync(answersFile, 'utf8').split('\n').filter(Boolean)) {
  const a = JSON.parse(line);
  const op = deref.paths[a.pattern] && deref.paths[a.pattern][a.method.toLowerCase()];
  if (!op) { fail(`${a.method} ${a.pattern}: not in the description`); continue; }
  const r = op.responses[String(a.status)];
  if (!r) { fail(`${a.method} ${a.pattern}: status ${a.status} is not declared`); continue; }
  const media = r.content && (r.content['application/json'] || null);
  if (!media) {
    if (a.body !== null && r.content) fail(`${a.method} ${a.pattern} ${a.status}: a JSON answer where none is declared`);
    continue;
  }
  const validate = ajv.compile(media.schema);
  if (!validate(a.body)) {
    fail(`${a.method} ${a.pattern} ${a.status}: ${ajv.errorsText(validate.errors)}`);
  }
  checked++;
  seen.add(`${a.method} ${a.pattern}`);
}
console.log(`openapi: ${checked} real answers of ${seen.size} operations validated, ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
