// The config hash names every fold-run's folder and decides whether a finished
// run is reused (resultHash in src/suite/runner.ts). These values were computed
// at 82e5f6e, before the model options moved into the model families and the
// suites' overrides became values (#15): a refactor of the config must leave
// them as they are, or every finished suite run would be trained again.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import '../src/models';
import { defaultRunConfig } from '../src/config/load';
import { getProtocol, loadSuite, protocolSlots, resolveRunConfig } from '../src/suite/load';
import { foldRunHash, resultHash } from '../src/suite/runner';

const EXPERIMENTS = path.resolve(__dirname, '..', '..', 'experiments');

/** suite/run: [the run's hash under the quick protocol, each fold-run's (repeat 0 folds 0-4, repeat 1 folds 0-4)]. */
const PINNED: Record<string, [string, string[]]> = {
  'table4/resnet18': ['d04cdf083d21c7b4', ['d04cdf083d21c7b4', '23cbb1319d50f539', 'dbb0da89b83491f9', '545c1bbb03868bd7', 'df22f49ae67cfcbf', '73f82c859380cf1e', '0f76c0fb70648135', 'fbb791cddcf3035e', '9c1dd6d4a510a7fe', '212966ee2321c924']],
  'table4/shufflenet_v1': ['b66a353760137dac', ['b66a353760137dac', '1672ad9ec726c70a', '99f032816f52e248', '5d5e1d34c97bc459', 'acb8f87c9224568e', 'b5cbf8aefae03b0f', '4485f9f57bec76e4', '6d1968dfe4fc712e', '0f9280a2f9f3f07f', 'b2e4e44c2b945727']],
  'table4/mobilenet_v1': ['606bbebfe8bb3388', ['606bbebfe8bb3388', '6508da343f528e7c', '0d509a0664913d30', 'b9b59369de139f0b', '437e8eb3d4deaecc', '13cccd506859d0bc', 'a8e57819334b9a7d', '1304071a15cc8c35', '3f94b4a5a3216189', '31f0905bc8ea52fb']],
  'table4/mobilenet_v2': ['61e08e36680f153c', ['61e08e36680f153c', 'cd153e50f0f26fcb', '1662a4f791e55798', 'd0de06e85e79d940', '13d688ae6dc6a948', 'fec5787a786559e5', '573085cf5be006a3', 'f07e80a407b69df7', 'b1f80937262378a0', '18b30f19030ef7a6']],
  'table4/dresnet': ['f73d64c8887b8d1f', ['f73d64c8887b8d1f', '2cfbed746429d577', '22768f572a5eb1ef', 'e723ffbefd7a5774', 'd844a770800ece9b', '89cef6faf627b764', '5c9df46b53eb9989', '1051a284c43cd82c', '6971461908210ccf', '4b69de3615d21d3d']],
  'table3/resnet50': ['26b16b4114ccffd3', ['26b16b4114ccffd3', '7cbb57068eb06fd9', 'eb0b11d97e8c5567', '4ffc9b57a76fa0fd', 'ca4c49e3857525df', '65b66fc3668ab968', '4030d28b52fc1155', 'd6e52386358e5b57', '3cffc4e86eebc92d', '24220180ea9ecf02']],
  'table3/dresnet': ['f73d64c8887b8d1f', ['f73d64c8887b8d1f', '2cfbed746429d577', '22768f572a5eb1ef', 'e723ffbefd7a5774', 'd844a770800ece9b', '89cef6faf627b764', '5c9df46b53eb9989', '1051a284c43cd82c', '6971461908210ccf', '4b69de3615d21d3d']],
  'table3/resnet50-w0.5': ['c48fb1f18c13b97c', ['c48fb1f18c13b97c', 'f20dff7cfe09abca', 'f965010b7646c356', '8fc9e826ceab7124', 'bf7e13d73ca216a5', '7aade6155c8f9a19', 'd0e9f34f69a07cee', '700133a50893124a', '50d6a0cdeccc4a7e', 'f439b88c5e4755fc']],
  'table3/dresnet-w0.5': ['2fdb82c2d74ce394', ['2fdb82c2d74ce394', '7b9014a40d5226d5', '416a8560d668e015', '3959c59b7a618292', 'dfedf54cac170ad1', 'd7840f40461c1e54', '7a987df8d1397c44', '807c9320655ba7fa', 'd978b99c9c7520d8', '3dcdf57408987d85']],
  'table3/resnet50-w0.25': ['dc02406e598fad2f', ['dc02406e598fad2f', 'd04c5249efc65951', 'b467be94b8e8742b', 'da2fd9fd6afdcd7e', '1f641e1c52f6697d', 'cf6ce9aecd618dd2', '273582c31b91fddd', 'c972eb049a415480', '7ad6947e341e9b78', 'e2ff24af7462903d']],
  'table3/dresnet-w0.25': ['17021ae13c0018f7', ['17021ae13c0018f7', '38493919bfaccf65', '4dff65390d4cb116', '04273e332018aa29', 'a0184102128f75a6', '9ed65c5e85134260', '47d891f8808d1044', 'e709ce652ade3c1c', 'd6c93442fc043627', 'b6970aa45c5495c5']],
  'ablation/baseline': ['dfae0af8d100d2e8', ['dfae0af8d100d2e8', '9cefa898a5170929', 'b9a2a234fe55f3ae', '9248681eb4dcb1e7', 'eef64c13a0a4a22c', '2694151b024303a3', '03eab9ef3823f1fc', '9cce1cba724711d2', 'f47f64bb72fc50c8', '37906babb11888bf']],
  'ablation/separable': ['85402a2d0b1ba035', ['85402a2d0b1ba035', 'b61a3263de73a85b', 'df760f3be9fdac2f', 'c1724bd48952e093', 'ad869f615108b086', '82012fb8f0321bd3', '41b9845ca6404950', 'c88610b9d9ebc32d', '847527fac7969cbb', '951d413f7839d392']],
  'ablation/grouped': ['755dbaf57d20be07', ['755dbaf57d20be07', '4a16ae66cc40bd58', '46a5ea13cef5ff1d', '833bd2104746aedd', 'f5d34b4614c439f3', 'd6b8449fd47e1ce4', 'b41b0f3982fb46e9', '0e4837dbcc0a455b', 'de9bbe87d434603e', 'd3a7099265b229ff']],
  'ablation/multiScale': ['79c73fcb5bfa791a', ['79c73fcb5bfa791a', '498d7a8e6c154346', 'f2c9b4e45abddb27', '3debeb2d34b1f437', '2a04e27fa55a6ab9', 'c2d0be745b6d31be', '49dba27e52f4b1aa', '39090846cfca32c5', '7444b4724d5a8d24', '137a6d64a75bdef1']],
  'ablation/se': ['a02351e604811431', ['a02351e604811431', '1edfd3fb0a900a28', '85227cba97061b68', '0330565c160e7f9a', '8ecc7505bfe5e525', '5e755d57b17739b6', '66bf845c2d81a15d', 'a041d4874adf1027', '4c405d6b1f12d473', 'd77d4ec556a72ca3']],
  'ablation/focal': ['f73d64c8887b8d1f', ['f73d64c8887b8d1f', '2cfbed746429d577', '22768f572a5eb1ef', 'e723ffbefd7a5774', 'd844a770800ece9b', '89cef6faf627b764', '5c9df46b53eb9989', '1051a284c43cd82c', '6971461908210ccf', '4b69de3615d21d3d']],
};

/**
 * table3's pruned rows (pinned when they were added): their fold-runs are keyed by foldRunHash, which
 * holds the fine-tuning config's resultHash, the parent fold-run's hash and the pruning.
 */
const PINNED_PRUNED: Record<string, string[]> = {
  'table3/resnet50-p0.5': ['cff1d8a6d7eeec97', 'f0155a2f76fb5210', '7f7a9fa5e520f98b', '30c50354d9bcbc59', '582f9e47a04ce4ea', '453267e8e609d5d2', 'bc6cd01511973e94', 'ee29c512726b30f0', '40cfe67503a5b425', 'efa3dcbd94b2a51e'],
  'table3/dresnet-p0.5': ['5d4305a0821e96fd', '236f73647f2a5aad', 'df7701aa44fa217d', '4ad9fff6b5f73e89', '32c7baaef20297be', '76a21d9f95903031', '7c51b56e85822ad6', 'a7b9ed6d3176c44b', '1eca71507bc554d8', '1564b1cc01a1481a'],
  'table3/resnet50-p0.25': ['eb1bfd593859bdfc', 'afe55e8f56b6200c', '004503fcf08115f9', 'e020de6bf571fb87', 'd0a7d621b34981c5', 'bdc602779f91cefe', '6d53306adf11ae13', 'a28cb5a52e63b25d', 'b3df9b6c5b45b402', 'd91b31feaf52f13c'],
  'table3/dresnet-p0.25': ['3b612dcc5a105300', '7266d59af021c5d8', 'a742198b9829af0d', '92f02a9f6b5db131', '3db697b10d8f571c', '7c22f81a15ae40c2', '49d41ce9e76e42f2', '5a83d253b0e6e223', 'c5d1873a93ad53c0', '3eda479fc662ff22'],
};

test('resultHash of every quick-protocol config of table4, table3 and ablation is the one pinned at 82e5f6e', () => {
  const seen: string[] = [];
  const seenPruned: string[] = [];
  for (const name of ['table4', 'table3', 'ablation']) {
    const suite = loadSuite(path.join(EXPERIMENTS, `${name}.yaml`));
    const slots = protocolSlots(getProtocol(suite, 'quick'));
    for (const run of suite.runs) {
      const key = `${name}/${run.id}`;
      if (run.prune !== undefined) {
        assert.deepEqual(slots.map((slot) => foldRunHash(suite, run, 'quick', slot)), PINNED_PRUNED[key] ?? assert.fail(`${key} is not pinned`), key);
        seenPruned.push(key);
        continue;
      }
      const [runHash, foldHashes] = PINNED[key] ?? assert.fail(`${key} is not pinned`);
      assert.equal(resultHash(resolveRunConfig(suite, run, 'quick')), runHash, key);
      assert.deepEqual(slots.map((slot) => resultHash(resolveRunConfig(suite, run, 'quick', slot))), foldHashes, key);
      assert.deepEqual(slots.map((slot) => foldRunHash(suite, run, 'quick', slot)), foldHashes, `${key}: an unpruned fold-run is keyed by its resultHash`);
      seen.push(key);
    }
  }
  assert.deepEqual(seen.sort(), Object.keys(PINNED).sort(), 'every pinned run is still in its suite');
  assert.deepEqual(seenPruned.sort(), Object.keys(PINNED_PRUNED).sort());
});

/**
 * Configs with no suite behind them, pinned with the code at 87b1fb0 (before
 * resultHash kept each model's defaults): listed so one model's hashes come
 * after another's and twice over, which a stale or shared default would show.
 */
const PINNED_PLAIN: [string[], string][] = [
  [['model.name=dresnet'], '3e6184ebd79ed3df'],
  [['model.name=resnet50', 'model.width=0.5', 'train.epochs=3'], 'cbdddc2961c2abcf'],
  [['model.name=dresnet', 'seed=7', 'data.inputSize=64', 'runtime.outDir="elsewhere"'], '302507b01b3621eb'],
  [['model.name=mobilenet_v2', 'train.batchSize=8'], 'ab7fe3240578bb67'],
  [['model.name=dresnet', 'model.se=true', 'model.groups=4'], '3e6184ebd79ed3df'],
  [['model.name=dresnet', 'model.se=false'], '0f3f0e18cdf928e4'],
];

test('resultHash of configs built from the defaults is the one pinned at 87b1fb0, however often and in whatever order they are hashed', () => {
  for (let round = 0; round < 2; round++) {
    for (const [overrides, hash] of PINNED_PLAIN) assert.equal(resultHash(defaultRunConfig(overrides)), hash, `${overrides.join(' ')} (round ${round})`);
  }
});
