// A real redis-server for the tests and the benchmark (the Redis
// ledger, docs/LEDGER.md): loopback only, no persistence, a password.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// One redis-server on loopback, without persistence; start() again
// after stop() brings it back, empty, on the same port.
export function redisServer(port, password) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smartgate-redis-'));
  const r = { port, proc: null };
  const kill = () => { if (r.proc && r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL'); };
  process.on('exit', () => { kill(); fs.rmSync(dir, { recursive: true, force: true }); });
  r.start = async () => {
    r.proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', '--daemonize', 'no', '--requirepass', password, '--dir', dir],
    { stdio: ['ignore', 'ignore', 'inherit'] });
    const until = Date.now() + 10000;
    for (;;) {
      if (r.proc.exitCode !== null) throw new Error(`redis-server exited with ${r.proc.exitCode}`);
      const up = await new Promise((res) => {
        const c = net.connect(port, '127.0.0.1');
        c.on('connect', () => { c.destroy(); res(true); });
        c.on('error', () => { c.destroy(); res(false); });
      });
      if (up) return;
      if (Date.now() > until) throw new Error(`redis-server: port ${port} not open`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  r.stop = async () => {
    const p = r.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((res) => p.once('exit', res));
    p.kill('SIGTERM');
    await gone;
  };
  return r;
}
