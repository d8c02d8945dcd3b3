import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Reply, WorkerEvent } from './embeddedProtocol';
import { connectEmbedded, type EmbeddedRemoteDb, type EmbeddedTransport } from './embeddedRemote';

/**
 * The worker script: the compiled .js next to this file, or under tsx/jest (TypeScript sources)
 * a tiny bootstrap that registers tsx's require hook in the new thread before loading it.
 */
function startWorker(dataDir: string | undefined): Worker {
  const ts = __filename.endsWith('.ts');
  const file = path.join(__dirname, `embeddedWorker${ts ? '.ts' : '.js'}`);
  if (!ts) return new Worker(file, { workerData: { dataDir } });
  const boot = `require('tsx/cjs'); require(${JSON.stringify(file)});`;
  return new Worker(boot, { eval: true, workerData: { dataDir } });
}

function threadTransport(worker: Worker): EmbeddedTransport {
  let error: Error | null = null;
  worker.on('error', (err) => (error = err));
  return {
    what: 'thread',
    send: (req) => worker.postMessage(req),
    onMessage: (cb) => worker.on('message', (m: WorkerEvent | Reply) => cb(m)),
    onGone: (cb) => worker.once('exit', (code) => cb(`code ${code}${error ? `: ${error.message}` : ''}`)),
    kill: async () => void (await worker.terminate()),
    release: async () => void (await worker.terminate()),
  };
}

/**
 * Opens the embedded PGlite-TimescaleDB in a worker thread of this process. A long query blocks
 * that thread only, but its garbage collection and CPU share this process with the HTTP server:
 * the daemon runs the database in a child process instead (embeddedChild); the thread stays for
 * the benchmark's comparison.
 */
export function openEmbeddedThread(dataDir?: string, opts: { signal?: AbortSignal } = {}): Promise<EmbeddedRemoteDb> {
  return connectEmbedded(threadTransport(startWorker(dataDir)), opts);
}
