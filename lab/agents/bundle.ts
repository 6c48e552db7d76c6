// Bundles the small agent programs (client loop, backend server) into plain .cjs files in the lab's temp dir,
// so they can run under `ip netns exec NS node FILE` without TypeScript tooling.
import { build } from 'esbuild';
import { join } from 'node:path';

export interface AgentPaths {
  client: string;
  backend: string;
  statsHttp: string;
}

export async function bundleAgents(outDir: string, repoRoot: string): Promise<AgentPaths> {
  const src = join(repoRoot, 'lab', 'agents');
  const out: AgentPaths = { client: join(outDir, 'client.cjs'), backend: join(outDir, 'backend.cjs'), statsHttp: join(outDir, 'stats-http.cjs') };
  await build({
    entryPoints: { client: join(src, 'client.ts'), backend: join(src, 'backend.ts'), 'stats-http': join(src, 'stats-http.ts') },
    outdir: outDir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return out;
}
