import assert from 'node:assert/strict';
import { codeSpan, escapeMarkdown, formatBytes, formatDuration, formatTimestamp } from '../../../src/ui/model/format.js';

describe('format', () => {
  it('formats durations compactly', () => {
    assert.equal(formatDuration(42_000), '42s');
    assert.equal(formatDuration(5 * 60_000 + 10_000), '5m');
    assert.equal(formatDuration(3 * 3_600_000), '3h');
    assert.equal(formatDuration(3 * 3_600_000 + 12 * 60_000), '3h 12m');
    assert.equal(formatDuration(50 * 3_600_000), '2d 2h');
    assert.equal(formatDuration(-5), '0s');
  });

  it('formats memory in binary units', () => {
    assert.equal(formatBytes(512 * 1024 ** 2), '512 MiB');
    assert.equal(formatBytes(2 * 1024 ** 3), '2 GiB');
    assert.equal(formatBytes(1.5 * 1024 ** 3), '1.5 GiB');
  });

  it('formats timestamps in UTC', () => {
    assert.equal(formatTimestamp('2025-06-01T10:00:59.123Z'), '2025-06-01 10:00 UTC');
    assert.equal(formatTimestamp('not a date'), 'not a date');
  });

  it('escapes Markdown and keeps code spans intact', () => {
    assert.equal(escapeMarkdown('a*b_[c](d)\nx'), 'a\\*b\\_\\[c\\]\\(d\\) x');
    assert.equal(codeSpan('plain'), '`plain`');
    assert.equal(codeSpan('a`b'), '``a`b``');
  });
});
