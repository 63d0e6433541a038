// Compares churnml's predictions with onnxruntime's, row by row.
//
//   node compare.mjs PREDICT.csv ORT.csv TOLERANCE
//
// PREDICT.csv: `churnml predict` output (customerID, probability,
// prediction); ORT.csv: score.mjs output (customerID, probability, label).
// Prints one JSON line: rows, the largest absolute probability difference
// and its row, label disagreements and how many of them lie within
// TOLERANCE of the threshold-crossing. Exits 1 when a difference exceeds
// TOLERANCE, a customerID differs, or a label differs on a row whose
// probabilities are both further than TOLERANCE from the decision.
import { readFileSync } from 'node:fs';

const [predictPath, ortPath, toleranceText, thresholdText] = process.argv.slice(2);
const tolerance = Number(toleranceText);
const threshold = Number(thresholdText ?? '0.5');
const read = (path) => readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const a = read(predictPath);
const b = read(ortPath);
let worst = 0;
let worstRow = -1;
let labelDiffs = 0;
let labelDiffsFar = 0;
let idDiffs = 0;
let sumDiff = 0;
if (a.length !== b.length) {
  console.log(JSON.stringify({ error: `row counts differ: ${a.length} vs ${b.length}` }));
  process.exit(1);
}
for (let r = 0; r < a.length; r++) {
  const [idA, pA, yA] = [a[r][0], Number(a[r][a[r].length - 2]), a[r][a[r].length - 1]];
  const [idB, pB, yB] = [b[r][0], Number(b[r][1]), b[r][2]];
  if (idA !== idB) idDiffs++;
  const d = Math.abs(pA - pB);
  sumDiff += d;
  if (!(d <= worst)) { worst = d; worstRow = r; }
  if (yA !== yB) {
    labelDiffs++;
    if (Math.abs(pA - threshold) > tolerance) labelDiffsFar++;
  }
}
const summary = {
  rows: a.length, max_abs_diff: worst, worst_row: worstRow + 1,
  mean_abs_diff: sumDiff / a.length, label_diffs: labelDiffs, label_diffs_far_from_threshold: labelDiffsFar,
  id_diffs: idDiffs, tolerance,
};
console.log(JSON.stringify(summary));
process.exit(worst <= tolerance && idDiffs === 0 && labelDiffsFar === 0 ? 0 : 1);
