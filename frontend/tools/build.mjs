// Bundle src/index.ts into the one ES module the integration serves. The output is deterministic
// (same sources and lock -> same bytes); `--check` builds in memory and fails when the committed
// bundle differs.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = resolve(root, "../custom_components/qbitrr/frontend/qbitrr-card.js");
const check = process.argv.includes("--check");

const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/index.ts"],
  bundle: true,
  format: "esm",
  target: "es2021",
  minify: true,
  legalComments: "none",
  charset: "utf8",
  banner: { js: "// qbitrr card: built from frontend/ by `npm run build`; do not edit." },
  write: false,
  outfile,
  logLevel: "warning",
});
const bundle = result.outputFiles[0].contents;

if (check) {
  let committed = null;
  try {
    committed = readFileSync(outfile);
  } catch {
    // reported below
  }
  if (committed === null || Buffer.compare(committed, Buffer.from(bundle)) !== 0) {
    console.error(
      `${outfile} is not the build of frontend/src: run \`cd frontend && npm run build\` and commit it.`,
    );
    process.exit(1);
  }
  console.log(`bundle up to date (${bundle.length} bytes)`);
} else {
  writeFileSync(outfile, bundle);
  console.log(`wrote ${outfile} (${bundle.length} bytes)`);
}
