// Starts the topology one conformance run is made against, runs the suite (vitest, a child
// process) at it, and stops everything:
//   --store memory --nodes 1   one gateway on the embedded store;
//   --store redis  --nodes 1   one gateway on a redis-server of the run's own;
//   --store redis  --nodes N   N gateways on that one redis-server behind round_robin_proxy.mjs,
//                              which sends every request to the next node; the run fails unless
//                              every node served its share (from the nodes' own /metrics).
//
//   node conformance.mjs --gateway BIN --store S --nodes N --out DIR
// vitest's JSON report goes to DIR/results.json and its output to DIR/vitest.log; exits with
// vitest's status (0, or 1 when a test failed), or 3 when the topology misbehaved or the suite
// did not finish in time.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseArgs, requestsServed, startTopology, within } from './processes.mjs';
import { roundRobinProxy } from './round_robin_proxy.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv, { store: 'memory', nodes: '1' }, ['gateway', 'out']);
const nodes = Number(args.nodes);
const suite_ms = 900_000;

// Large limits: the suite appends big bodies and many events to one stream. The long-poll wait
// is short so that the suite's timeout tests finish in seconds.
const gatewayArgs = ['--telemetry', 'none', '--max-body-bytes', '64MiB', '--buffer-max-bytes',
  '256MiB', '--durable-long-poll-timeout', '2s'];

function runSuite(url) {
  const log = fs.openSync(path.join(args.out, 'vitest.log'), 'w');
  const child = spawn(path.join(here, 'node_modules/.bin/vitest'), ['run', '--config',
    'vitest.config.mjs', '--reporter=dot', '--reporter=json',
    `--outputFile.json=${path.join(args.out, 'results.json')}`],
  { cwd: here, stdio: ['ignore', log, log], env: { ...process.env, CONFORMANCE_TEST_URL: url } });
  fs.closeSync(log);
  const done = new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  return within(done, suite_ms, 'the conformance suite').catch((e) => {
    child.kill('SIGKILL');
    throw e;
  });
}

async function main() {
  fs.mkdirSync(args.out, { recursive: true });
  const topology = await startTopology({ bin: args.gateway, dir: args.out, store: args.store,
    nodes, gatewayArgs });
  let proxy = null;
  try {
    let url = topology.gateways[0].url;
    if (nodes > 1) {
      proxy = roundRobinProxy(topology.gateways.map((g) => g.url));
      url = await proxy.listen();
    }
    console.log(`suite against ${url}: ${nodes} node(s) on the ${args.store} store` +
      (topology.redis ? ` (${topology.redis.url})` : ''));
    const status = await runSuite(url);
    for (const g of topology.gateways) {
      if (g.exited()) {
        console.log(`FAILED: gateway ${g.name} exited during the suite: ` +
          JSON.stringify(g.exited()));
        return 3;
      }
    }
    if (proxy) {
      // Round robin gives each node 1/N of the requests; a proxy stuck on one node would leave
      // the others near zero. The nodes' own counters, not the proxy's, are what is checked.
      const total = proxy.served.reduce((a, b) => a + b, 0);
      const share = Math.floor(total / nodes / 2);
      for (const [i, g] of topology.gateways.entries()) {
        const seen = await requestsServed(g);
        console.log(`${g.name}: ${seen} requests in its /metrics, ` +
          `${proxy.served[i]} sent by the proxy`);
        if (seen < share || seen < 100) {
          console.log(`FAILED: ${g.name} served ${seen} of ${total} requests ` +
            `(at least ${share} expected)`);
          return 3;
        }
      }
    }
    return status === 0 ? 0 : 1;
  } finally {
    await proxy?.close();
    await topology.stop();
  }
}

main().then((code) => process.exit(code)).catch((e) => {
  console.log(`FAILED: ${e.stack ?? e}`);
  process.exit(3);
});
