import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { markdownTable } from '../src/report/markdown';

test('markdownTable: header, rule (left by default, right where asked), rows, no trailing newline', () => {
  assert.equal(markdownTable(['a', 'b'], [['1', '2'], ['3', '4']]), '| a | b |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |');
  assert.equal(markdownTable(['model', 'params'], [['x', '12']], ['left', 'right']), '| model | params |\n| --- | ---: |\n| x | 12 |');
  assert.equal(markdownTable(['only'], []), '| only |\n| --- |');
});
