// Types of guard-gen.mjs for the TypeScript benchmarks.
export function generateAuthLog(path: string, total?: number): Promise<void>;
