/**
 * The AS path a region announces: the most preferred region (rank 0) sends its own ASN once,
 * each later region `prependStep` more times than the one before.
 */
export function asPathForRank(localAs: number, rank: number, prependStep: number): number[] {
  return Array<number>(1 + rank * prependStep).fill(localAs);
}
