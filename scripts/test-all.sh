#!/usr/bin/env bash
# Runs every workspace's test suite, then prints one closing line "N passed, N failed"
# summed over all jest runs so CI (and a person) sees the whole count at once.
set -uo pipefail
cd "$(dirname "$0")/.."
results_dir=$(mktemp -d)
status=0
static_failed=0
echo "=== static checks: eslint, strict TypeScript"
npx eslint . || { status=1; static_failed=$((static_failed + 1)); }
npm run typecheck --workspaces --if-present --silent || { status=1; static_failed=$((static_failed + 1)); }
for ws in $(node -e 'const p=require("./package.json");const fs=require("fs");const g=require("path");
  const out=[];for(const w of p.workspaces){if(w.endsWith("/*")){const d=w.slice(0,-2);if(fs.existsSync(d))for(const e of fs.readdirSync(d).sort()){if(fs.existsSync(g.join(d,e,"package.json")))out.push(g.join(d,e));}}else if(fs.existsSync(g.join(w,"package.json")))out.push(w);}
  console.log(out.join("\n"))'); do
  if ! node -e "process.exit(require('./$ws/package.json').scripts?.test?0:1)"; then continue; fi
  echo "=== tests: $ws"
  name=$(echo "$ws" | tr '/' '_')
  (cd "$ws" && npm test --silent -- --json --outputFile="$results_dir/$name.json") || status=1
done
node -e '
const fs=require("fs");const dir=process.argv[1];let p=0,f=Number(process.argv[2]),s=0;
for(const file of fs.readdirSync(dir)){try{const r=JSON.parse(fs.readFileSync(dir+"/"+file,"utf8"));p+=r.numPassedTests;f+=r.numFailedTests+(r.numRuntimeErrorTestSuites||0);s+=r.numPendingTests+r.numTodoTests;}catch(e){f+=1;console.error("unreadable results "+file);}}
console.log(`${p} passed, ${f} failed`+(s?`, ${s} skipped`:""));' "$results_dir" "$static_failed"
rm -rf "$results_dir"
exit $status
