#!/usr/bin/env node
// BullMQ measured beside jobdesk-bench (docs/benchmarks.md), on a local
// redis-server that run-bullmq.sh starts with persistence off:
//   bullmq-enqueue  `queue.add` with 32 adds in flight (no worker running)
//   bullmq-e2e      10,000 no-op jobs from the first add until the last one is
//                   completed, two workers of concurrency 1
//   bullmq-e2e-adds the adds of that run (made while the workers run)
// The figures are printed in jobdesk-bench's style. Usage:
//   node bench.js --port PORT [--redis-pid PID] [--count 10000]
//        [--enqueue-count 20000] [--inflight 32] [--workers 2]
//        [--worker-mode processes|instances] [--repeat 1]
'use strict';

const { Queue, Worker, QueueEvents } = require('bullmq');
const { fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

function parseArgs(argv) {
  const options = {
    host: '127.0.0.1',
    port: 6379,
    redisPid: 0,
    count: 10000,
    enqueueCount: 20000,
    inflight: 32,
    workers: 2,
    workerMode: 'processes',
    repeat: 1,
    role: 'main',
    queue: '',
  };
  const numeric = {
    '--port': 'port', '--redis-pid': 'redisPid', '--count': 'count',
    '--enqueue-count': 'enqueueCount', '--inflight': 'inflight', '--workers': 'workers',
    '--repeat': 'repeat',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag in numeric) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (flag === '--redis-pid' ? 0 : 1)) usage(`${flag}: expected a whole number, got "${value}"`);
      options[numeric[flag]] = n;
    } else if (flag === '--host') {
      options.host = value;
    } else if (flag === '--worker-mode') {
      if (value !== 'processes' && value !== 'instances') usage(`--worker-mode: expected processes or instances, got "${value}"`);
      options.workerMode = value;
    } else if (flag === '--role') {
      options.role = value;
    } else if (flag === '--queue') {
      options.queue = value;
    } else {
      usage(`unknown flag ${flag}`);
    }
  }
  return options;
}

function usage(message) {
  process.stderr.write(`bench.js: ${message}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------
// Figures, in jobdesk-bench's format
// ---------------------------------------------------------------------------

function summary(latenciesMs) {
  if (latenciesMs.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(latenciesMs).sort();
  const at = (p) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] };
}

function format(f) {
  let line = `${f.name.padEnd(18)} count=${f.count} errors=${f.errors} time=${f.seconds.toFixed(3)}s ` +
    `rate=${(f.count / f.seconds).toFixed(0)}/s`;
  const l = f.latency;
  line += `  latency_ms p50=${l.p50.toFixed(2)} p95=${l.p95.toFixed(2)} p99=${l.p99.toFixed(2)} max=${l.max.toFixed(2)}`;
  const cpu = Object.entries(f.cpu).map(([who, s]) => `${who}=${s.toFixed(2)}`).join(' ');
  if (cpu) line += `  cpu_s ${cpu}`;
  return line;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function medianOf(runs) {
  const m = { name: runs[0].name, count: median(runs.map((r) => r.count)),
    errors: runs.reduce((n, r) => n + r.errors, 0), seconds: median(runs.map((r) => r.seconds)),
    latency: {}, cpu: {} };
  for (const key of ['p50', 'p95', 'p99', 'max']) m.latency[key] = median(runs.map((r) => r.latency[key]));
  for (const who of Object.keys(runs[0].cpu)) m.cpu[who] = median(runs.map((r) => r.cpu[who]));
  return m;
}

// ---------------------------------------------------------------------------
// /proc: CPU time and peak memory of redis-server, the workers and us
// ---------------------------------------------------------------------------

const clockTicks = 100; // USER_HZ on Linux

function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

function peakRssKiB(pid) {
  try {
    const match = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : -1;
  } catch {
    return -1;
  }
}

// CPU seconds the whole machine spent busy (everything but idle and iowait).
function machineBusySeconds() {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + steal) / clockTicks;
}

// CPU used by each labelled set of processes between construction and
// used(), and by the rest of the machine ("others": a busy machine makes
// every figure lower).
class CpuMeter {
  constructor(pids) {
    this.pids = pids; // { label: [pid, ...] }
    this.start = this.read();
  }

  read() {
    const out = {};
    for (const [label, pids] of Object.entries(this.pids)) out[label] = pids.reduce((s, p) => s + cpuSeconds(p), 0);
    out.others = machineBusySeconds();
    return out;
  }

  used() {
    const now = this.read();
    const out = {};
    let ours = 0;
    for (const label of Object.keys(now)) {
      out[label] = now[label] - this.start[label];
      if (label !== 'others') ours += out[label];
    }
    out.others = Math.max(0, out.others - ours);
    // "others" last, as jobdesk-bench prints it.
    const { others, ...rest } = out;
    return { ...rest, others };
  }
}

// ---------------------------------------------------------------------------
// Closed-loop adds: `inflight` at once, the next as soon as one returns
// ---------------------------------------------------------------------------

async function closedLoop(count, inflight, addOne) {
  const latenciesMs = new Float64Array(count);
  const startedAt = process.hrtime.bigint();
  let lastAt = startedAt;
  let next = 0;
  let done = 0;
  let errors = 0;
  let firstError = null;
  await new Promise((resolve) => {
    const launch = () => {
      if (next >= count) return;
      const index = next++;
      const sentAt = process.hrtime.bigint();
      addOne(index, sentAt).catch((e) => {
        errors += 1;
        firstError = firstError || e;
      }).finally(() => {
        lastAt = process.hrtime.bigint();
        latenciesMs[index] = Number(lastAt - sentAt) / 1e6;
        done += 1;
        if (done === count) resolve();
        else launch();
      });
    };
    for (let i = 0; i < Math.min(inflight, count); i += 1) launch();
  });
  return { latenciesMs, errors, firstError, startedAt, seconds: Number(lastAt - startedAt) / 1e9 };
}

// The job jobdesk-bench submits: demo.sleep with duration_s 0.
const jobName = 'demo.sleep';
const jobData = { duration_s: 0 };

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

async function measureEnqueue(options, connection, selfPids) {
  const queue = new Queue('bench-enqueue', { connection });
  await queue.waitUntilReady();
  await closedLoop(500, options.inflight, () => queue.add(jobName, jobData)); // warm-up
  const cpu = new CpuMeter(selfPids);
  const run = await closedLoop(options.enqueueCount, options.inflight, () => queue.add(jobName, jobData));
  const figures = {
    name: 'bullmq-enqueue', count: options.enqueueCount - run.errors, errors: run.errors,
    seconds: run.seconds, latency: summary(run.latenciesMs), cpu: cpu.used(),
  };
  if (run.firstError) process.stderr.write(`bench.js: warning: bullmq-enqueue: ${run.firstError}\n`);
  await queue.obliterate({ force: true });
  await queue.close();
  return [figures];
}

/// Starts the workers: child processes (each one Worker of concurrency 1)
/// or Worker instances in this process. Resolves once all are ready.
async function startWorkers(options, queueName, connection) {
  if (options.workerMode === 'instances') {
    const workers = [];
    for (let i = 0; i < options.workers; i += 1) {
      const worker = new Worker(queueName, async () => undefined, { connection, concurrency: 1 });
      await worker.waitUntilReady();
      workers.push(worker);
    }
    return { pids: [], stop: () => Promise.all(workers.map((w) => w.close())) };
  }
  const children = [];
  const ready = [];
  for (let i = 0; i < options.workers; i += 1) {
    const child = fork(__filename, ['--role', 'worker', '--queue', queueName,
      '--host', options.host, '--port', String(options.port)]);
    ready.push(new Promise((resolve, reject) => {
      child.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(String(m)))));
      child.once('exit', (code) => reject(new Error(`worker process exited with code ${code}`)));
    }));
    children.push(child);
  }
  await Promise.all(ready);
  return {
    pids: children.map((c) => c.pid),
    peakRssKiB: () => Math.max(...children.map((c) => peakRssKiB(c.pid))),
    stop: () => Promise.all(children.map((c) => new Promise((resolve) => {
      c.removeAllListeners('exit');
      c.once('exit', resolve);
      c.send('stop');
    }))),
  };
}

async function measureEndToEnd(options, connection, selfPids, peak) {
  const queueName = 'bench-e2e';
  const queue = new Queue(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const workers = await startWorkers(options, queueName, connection);

  // Completion times by job id, as QueueEvents (a Redis stream) reports them.
  let completedAt = new Map();
  let failed = 0;
  let onCompletion = () => {};
  events.on('completed', ({ jobId }) => {
    completedAt.set(jobId, process.hrtime.bigint());
    onCompletion();
  });
  events.on('failed', () => { failed += 1; });
  const waitForCompletions = (n, quietMs) => new Promise((resolve) => {
    let timer = null;
    const check = () => {
      clearTimeout(timer);
      if (completedAt.size >= n) return resolve(true);
      timer = setTimeout(() => resolve(false), quietMs);
      return undefined;
    };
    onCompletion = check;
    check();
  });

  // Warm-up: also proves the workers take jobs before the clock starts.
  await closedLoop(20, 4, () => queue.add(jobName, jobData));
  if (!(await waitForCompletions(20, 30000))) throw new Error('warm-up jobs did not complete');
  completedAt = new Map();

  const cpu = new CpuMeter({ ...selfPids, workers: workers.pids });
  const sentAt = new Array(options.count);
  const ids = new Array(options.count);
  const adds = await closedLoop(options.count, options.inflight, async (index, t) => {
    sentAt[index] = t;
    const job = await queue.add(jobName, jobData);
    ids[index] = job.id;
  });
  const allAnnounced = await waitForCompletions(options.count - adds.errors, 5000);
  const used = cpu.used();

  // QueueEvents is a stream with a length cap: confirm with the counts.
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
  const latencies = [];
  let end = adds.startedAt;
  for (let i = 0; i < options.count; i += 1) {
    const at = completedAt.get(ids[i]);
    if (at === undefined) continue;
    latencies.push(Number(at - sentAt[i]) / 1e6);
    if (at > end) end = at;
  }
  const completed = counts.completed - 20; // less the warm-up jobs
  if (!allAnnounced || failed || completed !== options.count) {
    process.stderr.write(`bench.js: warning: bullmq-e2e: ${completedAt.size} completions announced, ` +
      `counts ${JSON.stringify(counts)}\n`);
  }
  const e2e = {
    name: 'bullmq-e2e', count: completed, errors: options.count - completed,
    seconds: Number(end - adds.startedAt) / 1e9, latency: summary(latencies), cpu: used,
  };
  const addFigures = {
    name: 'bullmq-e2e-adds', count: options.count - adds.errors, errors: adds.errors,
    seconds: adds.seconds, latency: summary(adds.latenciesMs), cpu: {},
  };

  if (workers.peakRssKiB) peak.workerKiB = Math.max(peak.workerKiB, workers.peakRssKiB());
  await workers.stop();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return [e2e, addFigures];
}

// ---------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------

async function runWorkerProcess(options) {
  const connection = { host: options.host, port: options.port };
  const worker = new Worker(options.queue, async () => undefined, { connection, concurrency: 1 });
  await worker.waitUntilReady();
  process.send('ready');
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    await worker.close();
    process.exit(0);
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.role === 'worker') return runWorkerProcess(options);

  const connection = { host: options.host, port: options.port };
  const bullmqVersion = require('bullmq/package.json').version;
  const selfPids = { node: [process.pid] };
  if (options.redisPid) selfPids.redis = [options.redisPid];
  console.log(`bullmq ${bullmqVersion} on node ${process.version}, redis at ${options.host}:${options.port}` +
    `, ${options.workers} workers of concurrency 1 (${options.workerMode === 'processes'
      ? 'one worker process each' : 'Worker instances in the main process'}), ${os.cpus().length} CPUs`);

  const peak = { workerKiB: -1 };
  const runsByName = new Map();
  for (let run = 0; run < options.repeat; run += 1) {
    const figures = [
      ...(await measureEnqueue(options, connection, selfPids)),
      ...(await measureEndToEnd(options, connection, selfPids, peak)),
    ];
    for (const f of figures) {
      if (!runsByName.has(f.name)) runsByName.set(f.name, []);
      runsByName.get(f.name).push(f);
      console.log(format(f));
    }
  }
  if (options.repeat > 1) {
    console.log(`-- medians of ${options.repeat} runs --`);
    for (const runs of runsByName.values()) console.log(format(medianOf(runs)));
  }
  const mib = (kib) => (kib < 0 ? 'n/a' : `${(kib / 1024).toFixed(1)} MiB`);
  console.log(`peak RSS (VmHWM): redis-server ${options.redisPid ? mib(peakRssKiB(options.redisPid)) : 'n/a'}, ` +
    `largest worker process ${mib(peak.workerKiB)}, bench.js ${mib(peakRssKiB(process.pid))}`);
  return undefined;
}

main().then(
  () => { if (parseArgs(process.argv.slice(2)).role === 'main') process.exit(0); },
  (e) => {
    process.stderr.write(`bench.js: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  },
);
