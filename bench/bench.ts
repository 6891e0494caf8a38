// The contract every benchmark file follows: bench/<name>.bench.ts default-exports a Bench.
export interface Figure {
  /** Stable figure name, e.g. "api.bundle_size". Runs are compared by it. */
  name: string;
  value: number;
  unit: string;
}

export interface Bench {
  /** What `npm run bench -- <name>` selects. */
  name: string;
  description: string;
  run(): Promise<Figure[]>;
}
