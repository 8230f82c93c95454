// Trains a targeting model in a worker thread, so the API's event loop stays responsive (training takes seconds of CPU).
import { parentPort, workerData } from 'node:worker_threads';
import {
  readDeclarationsFile, parseDeclarationRecords, trainModel, loadModel, evaluateScores, precisionCurve,
  type Declaration, type DeclarationRecord,
} from '@rvi/targeting';

export interface TrainRequest {
  /** Seed data files in the dataset's CSV format (with labels). */
  files: string[];
  /** Labelled declarations from the platform (inspection outcomes). */
  records: DeclarationRecord[];
  /** Evaluate on this window: declarations dated on/after it are held out of training and scored by both models. */
  validationFrom: string | null;
  /** Extra validation files (e.g. a later period of the seed dataset), evaluated but never trained on. */
  validationFiles: string[];
  /** The active model's file text, to compare on the same window. */
  activeModelJson: string | null;
}

export interface TrainResponse {
  modelJson: string;
  trainedFrom: string;
  trainedTo: string;
  trainingRows: number;
  trainSeconds: number;
  validation: { from: string; to: string; rows: number; candidate: ReturnType<typeof evaluateScores>; active: ReturnType<typeof evaluateScores> | null } | null;
  curve: { share: number; precision: number; recall: number }[];
}

function run(req: TrainRequest): TrainResponse {
  const rows: Declaration[] = [];
  for (const f of req.files) rows.push(...readDeclarationsFile(f, { requireLabels: true } as never).declarations);
  if (req.records.length) rows.push(...parseDeclarationRecords(req.records, { requireColumns: false } as never).declarations);
  const labelled = rows.filter((d) => d.fraud !== null && Number.isFinite(d.day));
  const train = req.validationFrom ? labelled.filter((d) => d.date < req.validationFrom!) : labelled;
  const valid = req.validationFrom ? labelled.filter((d) => d.date >= req.validationFrom!) : [];
  for (const f of req.validationFiles) valid.push(...readDeclarationsFile(f).declarations.filter((d) => d.fraud !== null));
  const t0 = performance.now();
  const model = trainModel(train);
  const trainSeconds = (performance.now() - t0) / 1000;
  let validation: TrainResponse['validation'] = null;
  let curve: TrainResponse['curve'] = [];
  if (valid.length >= 50) {
    const fraud = Float64Array.from(valid, (d) => d.fraud ?? 0);
    const critical = Float64Array.from(valid, (d) => (d.criticalFraud === 2 ? 1 : 0));
    const cand = model.score(valid);
    const active = req.activeModelJson ? loadModel(req.activeModelJson).score(valid) : null;
    const dates = valid.map((d) => d.date).sort();
    validation = {
      from: dates[0], to: dates[dates.length - 1], rows: valid.length,
      candidate: evaluateScores(cand, fraud, critical),
      active: active ? evaluateScores(active, fraud, critical) : null,
    };
    curve = precisionCurve(cand, fraud, [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5]);
  }
  const dates = train.map((d) => d.date).sort();
  return {
    modelJson: model.serialize(), trainedFrom: dates[0], trainedTo: dates[dates.length - 1], trainingRows: train.length,
    trainSeconds, validation, curve,
  };
}

if (parentPort) {
  try {
    parentPort.postMessage({ ok: true, result: run(workerData as TrainRequest) });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: (e as Error).message });
  }
}
