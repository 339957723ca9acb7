// Prints one JSON object { "<file>.tf": <hcl2json of the file>, ... } for every .tf file
// directly inside the given directory (default: the Terraform module, one level up).
// The policy tests in tests/Cortex.Tests/Terraform run this and assert on the result.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktf/hcl2json";

const here = path.dirname(fileURLToPath(import.meta.url));
const directory = path.resolve(process.argv[2] ?? path.join(here, ".."));

const names = (await readdir(directory)).filter((name) => name.endsWith(".tf")).sort();
if (names.length === 0) {
  console.error(`no .tf files in ${directory}`);
  process.exit(1);
}

const files = {};
for (const name of names) {
  const text = await readFile(path.join(directory, name), "utf8");
  files[name] = await parse(name, text);
}
process.stdout.write(JSON.stringify(files));
