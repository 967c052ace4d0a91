// Starts the Durable Streams reference server (npm @durable-streams/server, pinned in
// package-lock.json) in memory on 127.0.0.1, port 0, and writes its port to PORT_FILE; serves
// until SIGTERM. Response compression is off: the gateway's door does not compress either, and
// the load driver sends no Accept-Encoding.
//
// Usage: node reference_server.mjs PORT_FILE
import fs from 'node:fs';

import { DurableStreamTestServer } from '@durable-streams/server';

const portFile = process.argv[2];
if (!portFile) {
  console.error('usage: node reference_server.mjs PORT_FILE');
  process.exit(2);
}
const server = new DurableStreamTestServer({ port: 0, host: '127.0.0.1', compression: false });
const url = await server.start();
fs.writeFileSync(portFile, `${new URL(url).port}\n`);
const stop = () => server.stop().then(() => process.exit(0), () => process.exit(1));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
