#!/usr/bin/env node
'use strict';
/**
 * A small, reproducible record of finished k-fold `dresnet train` runs:
 * copies each run's config.yaml, folds.csv and per-fold metrics.csv into
 * <out>/<task>/ and writes <out>/summary.md (per-fold val top-1, AUC,
 * sensitivity, specificity, mean ± sample std, input size, epochs, backend,
 * threads, machine, wall time, the command, and the first epochs' train/val
 * top-1). Everything comes from the run folders, so re-running it regenerates
 * the same files. An unfinished run (no report.json) is summarized from the
 * folds that have a result.json.
 *
 *   node scripts/summarize-runs.js --out results/herlev runs/X/dresnet_herlev2-... runs/X/dresnet_herlev7-...
 *
 * The command is read from <run>/command.txt when present (dresnet does not
 * record its own command line); the wall time is finishedAt (report.json)
 * minus the start time in the run folder's name (local time).
 */
const fs = require('node:fs');
const YAML = require('yaml');
const os = require('node:os');
const path = require('node:path');

// The project's own CSV reader (quoted fields) and fold statistics, from the build (npm run build).
const dist = path.join(__dirname, '..', 'dist', 'src');
const { readCsv } = require(path.join(dist, 'util', 'csv'));
const { meanStd } = require(path.join(dist, 'stats', 'mean-std'));

const pct = (x) => (x === undefined || x === '' || Number.isNaN(Number(x)) ? '–' : (100 * Number(x)).toFixed(1));
const num = (x, d = 3) => (x === undefined || x === '' || Number.isNaN(Number(x)) ? '–' : Number(x).toFixed(d));

function startTime(runDir) {
  const m = /-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-\d+)?$/.exec(path.basename(runDir));
  return m ? new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

function minutes(ms) {
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** Per-fold figures from fold-<i>/result.json (written when a fold finishes), so an unfinished run summarizes too. */
function foldRows(runDir) {
  const dirs = fs.readdirSync(runDir).filter((d) => /^fold-\d+$/.test(d)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  return dirs.map((d) => {
    const fold = Number(d.slice(5));
    const resultFile = path.join(runDir, d, 'result.json');
    const metricsFile = path.join(runDir, d, 'metrics.csv');
    const epochs = fs.existsSync(metricsFile) ? readCsv(metricsFile) : [];
    if (!fs.existsSync(resultFile)) return { fold, status: `in progress (${epochs.length} epochs done)`, epochs, metricsFile, done: false };
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    const c = r.final?.clinical ?? {};
    return {
      fold, status: r.status, epochs, metricsFile, done: r.status === 'completed',
      val_top1: r.final?.top1, auc: c.auc, sensitivity: c.sensitivity, specificity: c.specificity,
      macro_f1: r.final?.macroF1, best_top1: r.bestTop1, best_epoch: r.bestEpoch, train_seconds: r.trainSeconds,
    };
  });
}

function summarizeRun(runDir, outDir) {
  const cfg = YAML.parse(fs.readFileSync(path.join(runDir, 'config.yaml'), 'utf8'));
  const reportFile = path.join(runDir, 'report.json');
  const report = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : undefined;
  const folds = foldRows(runDir);
  const done = folds.filter((f) => f.done);
  const task = cfg.data.task;
  const dest = path.join(outDir, task);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  for (const f of ['config.yaml', 'folds.csv']) if (fs.existsSync(path.join(runDir, f))) fs.copyFileSync(path.join(runDir, f), path.join(dest, f));
  for (const f of folds) {
    if (!fs.existsSync(f.metricsFile)) continue;
    fs.mkdirSync(path.join(dest, `fold-${f.fold}`), { recursive: true });
    fs.copyFileSync(f.metricsFile, path.join(dest, `fold-${f.fold}`, 'metrics.csv'));
  }
  const commandFile = path.join(runDir, 'command.txt');
  const command = fs.existsSync(commandFile) ? fs.readFileSync(commandFile, 'utf8').trim() : undefined;
  const start = startTime(runDir);
  const wallMs = start && report?.finishedAt ? new Date(report.finishedAt).getTime() - start.getTime() : undefined;
  const trainSeconds = folds.reduce((a, f) => a + f.epochs.reduce((b, e) => b + Number(e.seconds || 0), 0), 0);
  const classes = report?.classes ?? (task === 'herlev2' ? ['normal', 'abnormal'] : []);

  const cols = ['val_top1', 'auc', 'sensitivity', 'specificity', 'macro_f1', 'best_top1'];
  const stats = Object.fromEntries(cols.map((c) => [c, meanStd(done.map((r) => Number(r[c])))]));
  const L = [];
  L.push(`## ${cfg.name} (${task}${classes.length ? `, ${classes.length} classes: ${classes.join(', ')}` : ''})`, '');
  L.push(`- status: ${report ? report.status : 'not finished (no report.json yet)'}; ${done.length} of ${cfg.data.split.folds} folds completed${folds.length > done.length ? `; ${folds.filter((f) => !f.done).map((f) => `fold ${f.fold} ${f.status}`).join(', ')}` : ''}`);
  L.push(`- model: ${cfg.model.name} (width ${cfg.model.width}), input ${cfg.data.inputSize}×${cfg.data.inputSize} (${cfg.data.resize}), ${cfg.train.epochs} epochs, batch ${cfg.train.batchSize}`);
  const { optimizer: o, schedule: sc, loss } = cfg.train;
  L.push(`- optimisation: ${o.type} lr ${o.lr} momentum ${o.momentum} weight decay ${o.weightDecay}, schedule ${sc.type}${sc.type === 'multistep' ? ` (milestones ${sc.milestones.join(', ')}, gamma ${sc.gamma})` : ''}, warm-up ${sc.warmupEpochs} epoch(s), loss ${loss.type}${loss.type === 'focal' ? ` (gamma ${loss.gamma})` : ''}, augment ${Object.entries(cfg.data.augment).filter(([, v]) => v).map(([k, v]) => (v === true ? k : `${k} ${v}`)).join(' ')}, seed ${cfg.seed}`);
  L.push(`- backend: ${cfg.runtime.backend}${report?.engine ? ` (${report.engine.device}, libtorch ${report.engine.libtorchVersion ?? '–'})` : ''}, ${cfg.runtime.threads} thread(s)`);
  const m = report?.machine;
  L.push(m
    ? `- machine: ${m.cpu ?? '?'}, ${m.cores ?? '?'} cores, ${m.memoryGiB ?? '?'} GiB, ${m.platform ?? ''} ${m.arch ?? ''}, node ${m.node ?? ''} (shared with other training runs: wall time is load-dependent)`
    : `- machine: ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, node ${process.version} (this summary's machine; shared with other training runs)`);
  L.push(`- wall time: ${wallMs !== undefined ? minutes(wallMs) : '– (run not finished)'} (training steps alone ${minutes(trainSeconds * 1000)})${report ? `; finished ${report.finishedAt}; git ${String(report.gitCommit).slice(0, 7)}${report.gitDirty ? ' (dirty tree)' : ''}` : ''}`);
  if (command) L.push(`- command: \`${command}\``);
  L.push('');
  L.push('| fold | val top-1 % | AUC | sensitivity | specificity | macro F1 | best top-1 % (epoch) |');
  L.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of folds) {
    if (!r.done) { L.push(`| ${r.fold} | ${r.status} | | | | | |`); continue; }
    L.push(`| ${r.fold} | ${pct(r.val_top1)} | ${num(r.auc)} | ${num(r.sensitivity)} | ${num(r.specificity)} | ${num(r.macro_f1)} | ${pct(r.best_top1)} (${r.best_epoch}) |`);
  }
  const ms = (c, f) => {
    const st = stats[c];
    if (st === undefined) return '–';
    return st.n > 1 ? `${f(st.mean)} ± ${f(st.std)}` : `${f(st.mean)} (1 fold)`;
  };
  L.push(`| **mean ± std** (${done.length} fold${done.length === 1 ? '' : 's'}) | **${ms('val_top1', pct)}** | ${ms('auc', num)} | ${ms('sensitivity', num)} | ${ms('specificity', num)} | ${ms('macro_f1', num)} | ${ms('best_top1', pct)} |`);
  L.push('');
  L.push('Final-epoch validation figures (the `last` checkpoint); sensitivity/specificity/AUC are abnormal vs normal; std is the sample std over folds. Early epochs, train top-1 → val top-1 (%):', '');
  L.push('| fold | epoch 1 | epoch 2 | epoch 3 | epoch 4 | epoch 5 | epoch 6 |');
  L.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const f of folds) {
    const cells = f.epochs.slice(0, 6).map((e) => `${pct(e.train_top1)} → ${pct(e.val_top1)}`);
    L.push(`| ${f.fold} | ${cells.join(' | ')} |`);
  }
  L.push('');
  return { task, text: L.join('\n'), line: `${task}: val top-1 ${ms('val_top1', pct)} %, AUC ${ms('auc', num)}, sensitivity ${ms('sensitivity', num)}, specificity ${ms('specificity', num)} (${done.length} of ${cfg.data.split.folds} folds, ${cfg.data.inputSize} px, ${cfg.train.epochs} epochs, ${cfg.runtime.backend}, ${cfg.runtime.threads} thread)` };
}

function main() {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  const outDir = i >= 0 ? args[i + 1] : 'results/herlev';
  const runs = args.filter((a, j) => a !== '--out' && j !== i + 1);
  if (runs.length === 0) {
    console.error('usage: node scripts/summarize-runs.js --out <dir> <runDir>...');
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const parts = runs.map((r) => summarizeRun(path.resolve(r), outDir));
  const md = [
    '# DResNet on Herlev, 5-fold CV',
    '',
    `Generated by \`node scripts/summarize-runs.js --out ${outDir} ${runs.join(' ')}\` from the run folders`,
    '(run folders are not committed; each task folder here holds the resolved config, folds.csv and every fold\'s metrics.csv).',
    '',
    ...parts.map((p) => `- ${p.line}`),
    '',
    ...parts.map((p) => p.text),
  ].join('\n');
  fs.writeFileSync(path.join(outDir, 'summary.md'), md + '\n');
  console.log(parts.map((p) => p.line).join('\n'));
}

main();
