// Each model family owns its options (#15): the run config validates `model:`
// against the named family's schema, and the family's defaults come from it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createModel, getModelDefinition } from '../src/models';
import { loadRunConfig } from '../src/config/load';
import { protocolSchema } from '../src/suite/schema';

function configFile(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-options-')), 'run.yaml');
  fs.writeFileSync(file, text);
  return file;
}

test("DResNet's defaults are its schema's, as they were (a changed default would change every config hash)", () => {
  assert.deepEqual(getModelDefinition('dresnet').defaults, {
    numClasses: 1000, inputSize: 224, width: 1, conv3x3: 'separable', pointwise: 'grouped', groups: 4, squeeze: 1, split: 0.5,
    multiScale: true, se: true, seRatio: 1 / 16, stageWidths: [96, 192, 384, 768],
  });
  assert.deepEqual(getModelDefinition('resnet50').defaults, { numClasses: 1000, inputSize: 224, width: 1 });
});

test("a run config's model options are the named family's: file, key and the closest valid key in the error", () => {
  const misspelt = configFile('model:\n  name: dresnet\n  multiscale: false\n');
  assert.throws(() => loadRunConfig(misspelt), (e: Error) => e.message.startsWith(`${misspelt}: model.multiscale: unknown key (did you mean "model.multiScale"?)`));
  const foreign = configFile('model:\n  name: resnet18\n  se: false\n');
  assert.throws(() => loadRunConfig(foreign), /run\.yaml: model\.se: unknown key; valid keys here: name, width$/);
  const outOfRange = configFile('model:\n  name: dresnet\n');
  assert.throws(() => loadRunConfig(outOfRange, ['model.seRatio=2']), /--set model\.seRatio=2: model\.seRatio: expected a number >= 0\.01 and <= 1, got 2/);
  assert.throws(() => loadRunConfig(outOfRange, ['model.name=resnet5']), /model\.name: unknown model "resnet5" \(did you mean "resnet50"\?\); available models: dresnet,/);
  // Silent options stay absent: the family's defaults apply when the model is built.
  assert.deepEqual(loadRunConfig(outOfRange, ['model.se=false']).model, { name: 'dresnet', width: 1, se: false });
});

test('createModel checks each option by the same schema', () => {
  assert.throws(() => createModel('dresnet', { squeeze: 8 }), /model dresnet option "squeeze": expected a number >= 0\.01 and <= 4, got 8/);
  assert.throws(() => createModel('dresnet', { stageWidths: [8, 16, 24] }), /option "stageWidths": expected 4 positive integers/);
  assert.throws(() => createModel('dresnet', { stageWidths: [8, 16, 0, 32] }), /option "stageWidths\[2\]": expected an integer >= 1, got 0/);
});

test("a suite protocol's keys are the run config's nodes, with the suite's defaults", () => {
  const protocol = protocolSchema.parse({ epochs: 3 }, 'protocols.p');
  assert.equal(protocol.dataset, 'herlev');
  assert.equal(protocol.task, 'herlev7');
  assert.equal(protocol.backend, 'auto');
  assert.throws(() => protocolSchema.parse({ epochs: 3, dataset: 'imagenet' }, 'protocols.p'), /protocols\.p\.dataset: expected one of "synthetic", "herlev", "folder", "csv"/);
  assert.throws(() => protocolSchema.parse({}, 'protocols.p'), /protocols\.p\.epochs: is required \(expected an integer >= 1\)/);
});
