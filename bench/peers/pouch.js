// PouchDB's side of the peer bench, one run: two in-memory client databases replicating with pouchdb-server.
//
//   node pouch.js --server URL --db NAME --rows rows.jsonl --updates updates.jsonl --out result.json
//                 [--server-pid PID] [--meter URL] [--timeout SECONDS]
//
// Steps as Doorstep's phones make them: a_push (replicate local1 -> server), a_pullback (server -> local1),
// b_pull (server -> an empty local2), local1 saves the edits on top of its revisions (untimed), c_push,
// c_pull; then the check (untimed). Default replicate() options; fetch keeps connections alive (as httpx does
// for Doorstep). --meter is the wire meter's counter URL (bench/peers/wire.py), read between steps.
'use strict';
const fs = require('fs');
const http = require('http');
const { performance } = require('perf_hooks');
const PouchDB = require('pouchdb-node');
PouchDB.plugin(require('pouchdb-adapter-memory'));

const TICK = 100; // USER_HZ of /proc/<pid>/stat

function options(argv) {
  const out = { timeout: '600' };
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const key of ['server', 'db', 'rows', 'updates', 'out']) {
    if (!out[key]) throw new Error(`--${key} is required`);
  }
  return out;
}

const readJsonl = (path) => fs.readFileSync(path, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));

function cpuOf(pid) {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch (e) {
    return 0;
  }
}

function counters(url) {
  if (!url) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let text = '';
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
}

async function saveAll(db, docs) {
  for (let i = 0; i < docs.length; i += 1000) {
    const answers = await db.bulkDocs(docs.slice(i, i + 1000));
    const bad = answers.find((a) => !a.ok);
    if (bad) throw new Error(`local bulkDocs refused a document: ${bad.error}`);
  }
}

async function main() {
  const o = options(process.argv.slice(2));
  const rows = readJsonl(o.rows);
  const updates = readJsonl(o.updates);
  const agent = new http.Agent({ keepAlive: true });
  let requests = 0;
  const fetch = (url, opts) => { requests += 1; return PouchDB.fetch(url, { ...opts, agent }); };
  const remote = new PouchDB(`${o.server}/${o.db}`, { fetch });
  await remote.info(); // creates the database (untimed)
  const local1 = new PouchDB(`phone1-${process.pid}`, { adapter: 'memory' });
  const local2 = new PouchDB(`phone2-${process.pid}`, { adapter: 'memory' });
  await saveAll(local1, rows);
  const steps = {};

  async function step(name, from, to, want) {
    const asked = requests;
    const wire0 = await counters(o.meter);
    const server0 = cpuOf(Number(o['server-pid']));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let timer;
    const expired = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`pouchdb ${name} took more than ${o.timeout} s`)), 1000 * o.timeout);
    });
    const result = await Promise.race([PouchDB.replicate(from, to), expired]);
    clearTimeout(timer);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const figures = { seconds, phone_cpu_s: (cpu.user + cpu.system) / 1e6,
      server_cpu_s: cpuOf(Number(o['server-pid'])) - server0, requests: requests - asked,
      rows: result.docs_written, docs_read: result.docs_read };
    const wire1 = await counters(o.meter);
    if (wire0) {
      Object.assign(figures, { bytes_up: wire1.up_body - wire0.up_body, bytes_down: wire1.down_body - wire0.down_body,
        wire_up: wire1.up - wire0.up, wire_down: wire1.down - wire0.down,
        connections: wire1.connections - wire0.connections });
    }
    if (result.doc_write_failures || (want !== null && result.docs_written !== want)) {
      throw new Error(`${name}: ${result.docs_written} documents written (want ${want})`);
    }
    steps[name] = figures;
  }

  await step('a_push', local1, remote, rows.length);
  await step('a_pullback', remote, local1, null);
  await step('b_pull', remote, local2, rows.length);
  const held = await local1.allDocs({ keys: updates.map((u) => u._id) });
  await saveAll(local1, updates.map((u, i) => ({ ...u, _rev: held.rows[i].value.rev })));
  await step('c_push', local1, remote, updates.length);
  await step('c_pull', remote, local2, updates.length);

  // the check: phone 2 holds every document and every edit
  const got = await local2.allDocs({ keys: updates.map((u) => u._id), include_docs: true });
  got.rows.forEach((row, i) => {
    const want = updates[i];
    if (!row.doc || ['notes', 'employment_status', 'employer_name', 'phone'].some((k) => row.doc[k] !== want[k])) {
      throw new Error('phone 2 lacks an edit');
    }
  });
  const count = (await local2.info()).doc_count;
  if (count !== rows.length) throw new Error(`phone 2 holds ${count} documents, not ${rows.length}`);
  const version = (name) => { try { return require(`${name}/package.json`).version; } catch (e) { return null; } };
  fs.writeFileSync(o.out, JSON.stringify({ steps, client: { node: process.version,
    'pouchdb-node': version('pouchdb-node'), 'pouchdb-adapter-memory': version('pouchdb-adapter-memory') } }));
  await Promise.all([local1.destroy(), local2.destroy()]);
  agent.destroy();
}

main().catch((error) => { console.error(error && error.stack ? error.stack : error); process.exit(1); });
