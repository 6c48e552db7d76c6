import { describe, expect, it } from 'vitest';
import { asPathForRank } from '../../../src/generate/as-path-for-rank.js';

describe('asPathForRank', () => {
  it.each([
    { title: 'the most preferred region sends its ASN once', rank: 0, step: 2, expected: [65010] },
    { title: 'the second region prepends twice by default, as in the seed', rank: 1, step: 2, expected: [65010, 65010, 65010] },
    { title: 'the third region prepends twice more again', rank: 2, step: 2, expected: [65010, 65010, 65010, 65010, 65010] },
    { title: 'a step of one prepends once per rank', rank: 2, step: 1, expected: [65010, 65010, 65010] },
    { title: 'a step of zero makes every region equal', rank: 3, step: 0, expected: [65010] },
  ])('$title', ({ rank, step, expected }) => {
    expect(asPathForRank(65010, rank, step)).toEqual(expected);
  });
});
