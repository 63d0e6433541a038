// Scores a CSV of customers with an ONNX graph written by `churnml export`,
// using onnxruntime-node (a runtime churnml did not write).
//
//   node score.mjs MODEL.onnx INPUTS.json DATA.csv OUT.csv
//
// INPUTS.json is `churnml export --json` output: the graph's inputs with
// their types. Each input is fed as an [N, 1] tensor: "double" columns as
// Float64Array (a blank cell is NaN, a missing value), "string" columns as
// the cell's text with surrounding spaces and tabs removed ("" = missing),
// which is how churnml reads a cell. OUT.csv gets customerID, probability,
// label per row, the probability printed in full (shortest round-trip form
// of the float32 value).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

// RFC 4180 rows: quoted fields may hold commas, quotes ("") and newlines.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

const trimBlanks = (s) => s.replace(/^[ \t]+|[ \t]+$/g, '');

async function main() {
  const [modelPath, inputsPath, dataPath, outPath] = process.argv.slice(2);
  if (!outPath) {
    console.error('usage: node score.mjs MODEL.onnx INPUTS.json DATA.csv OUT.csv');
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(inputsPath, 'utf8'));
  const rows = parseCsv(readFileSync(dataPath, 'utf8'));
  const header = rows.shift();
  const n = rows.length;
  const column = (name) => {
    const j = header.indexOf(name);
    if (j < 0) throw new Error(`${dataPath}: no column "${name}"`);
    return j;
  };
  const feeds = {};
  for (const input of spec.inputs) {
    const j = column(input.name);
    if (input.type === 'double') {
      const values = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        const cell = trimBlanks(rows[r][j]);
        values[r] = cell === '' ? NaN : Number(cell);
      }
      feeds[input.name] = new ort.Tensor('float64', values, [n, 1]);
    } else if (input.type === 'string') {
      feeds[input.name] = new ort.Tensor('string', rows.map((row) => trimBlanks(row[j])), [n, 1]);
    } else {
      throw new Error(`input "${input.name}": unknown type "${input.type}"`);
    }
  }
  const session = await ort.InferenceSession.create(modelPath);
  const started = process.hrtime.bigint();
  const result = await session.run(feeds);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const probability = result.probability;
  const label = result.label;
  if (probability.type !== 'float32' || label.type !== 'int64') {
    throw new Error(`unexpected output types ${probability.type}, ${label.type}`);
  }
  if (probability.data.length !== n || label.data.length !== n) {
    throw new Error(`expected ${n} rows, got ${probability.data.length} and ${label.data.length}`);
  }
  const id = column('customerID');
  const lines = ['customerID,probability,label'];
  for (let r = 0; r < n; r++) {
    lines.push(`${rows[r][id]},${probability.data[r]},${label.data[r]}`);
  }
  writeFileSync(outPath, lines.join('\n') + '\n');
  console.error(`onnxruntime-node ${ort.env.versions.node}: scored ${n} rows in ${seconds.toFixed(3)} s`);
}

main().catch((e) => { console.error(`score.mjs: ${e.message}`); process.exit(1); });
