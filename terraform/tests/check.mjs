// Checks a Terraform module without downloading a provider, and prints one JSON object:
//   { provider, blocks, references, schema: [...], referenceErrors: [...] }
//
// schema: every resource, data source and provider block against the hashicorp/aws schema as
//   published in @cdktf/provider-aws (its type definitions list each argument, nested block and
//   required argument): unknown types, unknown arguments or blocks at any depth (dynamic blocks
//   included), missing required arguments or blocks.
// referenceErrors: every var., local., data., module. and aws_*. reference resolves; resources
//   with count/for_each are indexed before an attribute is read and others are not; the
//   attribute read exists; no dependency cycle between blocks.
//
//   node check.mjs [module directory]      (default: the module one level up)
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktf/hcl2json";

const here = path.dirname(fileURLToPath(import.meta.url));
const directory = path.resolve(process.argv[2] ?? path.join(here, ".."));
const library = path.join(here, "node_modules", "@cdktf", "provider-aws", "lib");

const RESOURCE_META = new Set(["count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"]);
const DATA_META = new Set(["count", "for_each", "provider", "depends_on", "lifecycle"]);
const PROVIDER_META = new Set(["alias"]);

// --- The provider schema, read from the type definitions ------------------------------------

const providerVersion = (await readFile(path.join(library, "provider", "index.d.ts"), "utf8"))
  .match(/providers\/hashicorp\/aws\/([0-9.]+)\//)[1];

let typeIndex;
async function indexTypes() {
  if (typeIndex) return typeIndex;
  typeIndex = new Map();
  for (const entry of await readdir(library, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = path.join(library, entry.name, "index.d.ts");
    const text = await readFile(file, "utf8").catch(() => null);
    const match = text?.match(/export declare class (\w+) extends cdktf\.(TerraformResource|TerraformDataSource) \{\s*static readonly tfResourceType = "(\w+)"/);
    if (match) typeIndex.set(`${match[2] === "TerraformDataSource" ? "data" : "resource"}:${match[3]}`, { file, text, className: match[1] });
  }
  return typeIndex;
}

// Interfaces of one .d.ts: name -> { argument name -> { required, block, type } }.
function interfaces(text) {
  const result = new Map();
  for (const match of text.matchAll(/export interface (\w+)(?: extends [\w.]+)? \{([\s\S]*?)\n\}/g)) {
    const members = new Map();
    for (const member of match[2].matchAll(/\/\*\*([\s\S]*?)\*\/\s*readonly (\w+)(\?)?:\s*([^;]*)/g)) {
      const anchor = member[1].match(/#(\w+) \w+#\w+\}/);
      if (!anchor) continue;
      members.set(anchor[1], {
        required: member[3] !== "?",
        block: /^\s*\*\s*\w+ block\s*$/m.test(member[1]),
        type: member[4].match(/^(\w+)/)?.[1],
      });
    }
    result.set(match[1], members);
  }
  return result;
}

function camel(name) {
  return name.replace(/_([a-z0-9])/g, (_, letter) => letter.toUpperCase());
}

const schemas = new Map();
async function schemaOf(kind, type) {
  const key = `${kind}:${type}`;
  if (schemas.has(key)) return schemas.get(key);
  const entry = (await indexTypes()).get(key);
  let schema = null;
  if (entry) {
    const all = interfaces(entry.text);
    const classBody = entry.text.slice(entry.text.indexOf(`export declare class ${entry.className} extends`));
    const attributes = new Set([...classBody.matchAll(/^\s+get (\w+)\(\)/gm)].map((match) => match[1]).filter((name) => !name.endsWith("Input")));
    schema = { all, root: all.get(`${entry.className}Config`), attributes };
  }
  schemas.set(key, schema);
  return schema;
}

async function providerSchema() {
  const all = interfaces(await readFile(path.join(library, "provider", "index.d.ts"), "utf8"));
  return { all, root: all.get("AwsProviderConfig") };
}

// Checks one block body against an interface; nested blocks recurse.
function checkBody(where, body, members, all, meta, problems) {
  const present = new Set();
  for (const [name, value] of Object.entries(body)) {
    if (meta.has(name)) continue;
    if (name === "dynamic") {
      for (const [blockName, generators] of Object.entries(value)) {
        const member = members.get(blockName);
        if (!member?.block) {
          problems.push(`${where}: unknown block "${blockName}" (dynamic)`);
          continue;
        }
        present.add(blockName);
        for (const generator of generators) {
          for (const content of generator.content ?? []) {
            checkBody(`${where}.${blockName}`, content, all.get(member.type) ?? new Map(), all, new Set(), problems);
          }
        }
      }
      continue;
    }

    const member = members.get(name);
    if (!member) {
      const looksLikeBlock = Array.isArray(value) && value.every((item) => item && typeof item === "object" && !Array.isArray(item));
      problems.push(`${where}: unknown ${looksLikeBlock ? "block" : "argument"} "${name}"`);
      continue;
    }
    present.add(name);
    if (member.block) {
      if (!Array.isArray(value)) {
        problems.push(`${where}: "${name}" is a block, not an argument`);
        continue;
      }
      for (const nested of value) {
        checkBody(`${where}.${name}`, nested, all.get(member.type) ?? new Map(), all, new Set(), problems);
      }
    }
  }

  for (const [name, member] of members) {
    if (member.required && !present.has(name)) {
      problems.push(`${where}: missing required ${member.block ? "block" : "argument"} "${name}"`);
    }
  }
}

// --- The module -----------------------------------------------------------------------------

const names = (await readdir(directory)).filter((name) => name.endsWith(".tf")).sort();
if (names.length === 0) {
  console.error(`no .tf files in ${directory}`);
  process.exit(1);
}

// Every top-level block as { address, kind, type, body, file }.
const blocks = [];
for (const name of names) {
  const json = await parse(name, await readFile(path.join(directory, name), "utf8"));
  for (const [section, content] of Object.entries(json)) {
    if (section === "resource" || section === "data") {
      for (const [type, instances] of Object.entries(content)) {
        for (const [label, bodies] of Object.entries(instances)) {
          for (const body of bodies) {
            const address = section === "data" ? `data.${type}.${label}` : `${type}.${label}`;
            blocks.push({ address, kind: section, type, body, file: name });
          }
        }
      }
    } else if (section === "locals") {
      for (const body of content) {
        for (const [label, value] of Object.entries(body)) blocks.push({ address: `local.${label}`, kind: "local", body: value, file: name });
      }
    } else if (section === "variable" || section === "output" || section === "module") {
      for (const [label, bodies] of Object.entries(content)) {
        const prefix = section === "variable" ? "var" : section;
        for (const body of bodies) blocks.push({ address: `${prefix}.${label}`, kind: section, body, file: name });
      }
    } else if (section === "provider") {
      for (const [type, bodies] of Object.entries(content)) {
        for (const body of bodies) blocks.push({ address: `provider.${type}`, kind: "provider", type, body, file: name });
      }
    } else {
      blocks.push({ address: `${section} (${name})`, kind: section, body: content, file: name });
    }
  }
}

const schema = [];
for (const block of blocks) {
  const where = `${block.file}: ${block.address}`;
  if (block.kind === "resource" || block.kind === "data") {
    const found = await schemaOf(block.kind, block.type);
    if (!found) {
      schema.push(`${where}: unknown ${block.kind === "data" ? "data source" : "resource"} type "${block.type}"`);
      continue;
    }
    checkBody(where, block.body, found.root, found.all, block.kind === "data" ? DATA_META : RESOURCE_META, schema);
  } else if (block.kind === "provider" && block.type === "aws") {
    const found = await providerSchema();
    checkBody(where, block.body, found.root, found.all, PROVIDER_META, schema);
  }
}

// --- References -----------------------------------------------------------------------------

// The expressions inside "${...}" of a string, with their string literals blanked out; the
// interpolations inside those literals are returned as expressions of their own.
function expressions(text) {
  const found = [];
  let index = 0;
  while ((index = text.indexOf("${", index)) !== -1) {
    if (index > 0 && text[index - 1] === "$") {
      index += 2;
      continue;
    }
    const [expression, end] = readExpression(text, index + 2, found);
    found.push(expression);
    index = end;
  }
  return found;
}

function readExpression(text, start, found) {
  let depth = 0;
  let output = "";
  let index = start;
  while (index < text.length) {
    const character = text[index];
    if (character === "\"") {
      let literal = "";
      index++;
      while (index < text.length && text[index] !== "\"") {
        if (text[index] === "\\") {
          literal += text.slice(index, index + 2);
          index += 2;
          continue;
        }
        if (text.startsWith("${", index)) {
          const [inner, end] = readExpression(text, index + 2, found);
          found.push(inner);
          literal += " ".repeat(end - index);
          index = end;
          continue;
        }
        literal += text[index++];
      }
      output += `"${" ".repeat(literal.length)}"`;
      index++;
      continue;
    }
    if (character === "{") depth++;
    if (character === "}") {
      if (depth === 0) return [output, index + 1];
      depth--;
    }
    output += character;
    index++;
  }
  return [output, index];
}

function strings(value, into = []) {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) value.forEach((item) => strings(item, into));
  else if (value && typeof value === "object") Object.entries(value).forEach(([key, item]) => { into.push(key); strings(item, into); });
  return into;
}

const declared = new Map(blocks.map((block) => [block.address, block]));
const referenceErrors = [];
const edges = new Map();
let referenceCount = 0;

const pattern = /(?<![\w.])(?:(var|local|module)\.(\w+)|data\.(\w+)\.(\w+)|(aws_\w+)\.(\w+))(\[[^\]]*\])?(?:\.(\w+))?/g;

for (const block of blocks) {
  const from = block.address;
  const targets = new Set();
  for (const text of strings(block.body)) {
    for (const expression of expressions(text)) {
      for (const match of expression.matchAll(pattern)) {
        referenceCount++;
        const [whole, prefix, label, dataType, dataLabel, resourceType, resourceLabel, index, attribute] = match;
        const where = `${block.file}: ${from}`;
        if (prefix) {
          const address = `${prefix}.${label}`;
          if (!declared.has(address)) {
            referenceErrors.push(`${where}: ${whole} refers to an undeclared ${{ var: "variable", local: "local value", module: "module" }[prefix]}`);
          } else if (address !== from) {
            targets.add(address);
          }
          continue;
        }

        const kind = dataType ? "data" : "resource";
        const type = dataType ?? resourceType;
        const address = dataType ? `data.${dataType}.${dataLabel}` : `${resourceType}.${resourceLabel}`;
        const target = declared.get(address);
        if (!target) {
          referenceErrors.push(`${where}: ${whole} refers to an undeclared ${kind === "data" ? "data source" : "resource"} ${address}`);
          continue;
        }
        if (address !== from) targets.add(address);

        const repeated = target.body.count !== undefined || target.body.for_each !== undefined;
        if (repeated && !index && attribute) {
          referenceErrors.push(`${where}: ${whole} reads an attribute of ${address}, which has ${target.body.count !== undefined ? "count" : "for_each"}, without an index`);
        } else if (!repeated && index) {
          referenceErrors.push(`${where}: ${whole} indexes ${address}, which has neither count nor for_each`);
        }

        const found = await schemaOf(kind, type);
        if (found && attribute && !found.attributes.has(camel(attribute)) && !found.root.has(attribute)) {
          referenceErrors.push(`${where}: ${whole} reads "${attribute}", which ${type} does not have`);
        }
      }
    }
  }
  edges.set(from, targets);
}

// Dependency cycles (a variable's validation may name the variable itself).
const state = new Map();
const cycles = new Set();
function visit(node, trail) {
  state.set(node, "open");
  for (const next of edges.get(node) ?? []) {
    if (next.startsWith("var.")) continue;
    if (state.get(next) === "open") {
      const cycle = trail.slice(trail.indexOf(next));
      const start = cycle.indexOf([...cycle].sort()[0]);
      cycles.add([...cycle.slice(start), ...cycle.slice(0, start), cycle[start]].join(" -> "));
    } else if (!state.has(next)) {
      visit(next, [...trail, next]);
    }
  }
  state.set(node, "done");
}
for (const node of edges.keys()) {
  if (!state.has(node)) visit(node, [node]);
}
for (const cycle of cycles) referenceErrors.push(`dependency cycle: ${cycle}`);

process.stdout.write(JSON.stringify({
  provider: providerVersion,
  blocks: blocks.filter((block) => block.kind === "resource" || block.kind === "data").length,
  references: referenceCount,
  schema,
  referenceErrors,
}));
