// The world the browser tests run against, made with the `rex` binary that cargo built
// (target/debug/rex, or $REX_BIN): a hub, three states' nodes (US, RU and DE, registered with
// the operator's key), agreements, requests answered and unanswered, one matching round, and
// officers with one-time enrolment codes; then the desks of US and RU served by
// `rex node serve` at http://us.localhost:PORT and http://ru.localhost:PORT.
//
// Every wait is bounded; every child process is killed by `stop()` (and on exit).

import { spawn, execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");

/** The `rex` binary: $REX_BIN, else $CARGO_TARGET_DIR/debug/rex, else target/debug/rex. */
export function rexBinary() {
  const bin =
    process.env.REX_BIN ||
    join(resolve(root, process.env.CARGO_TARGET_DIR || "target"), "debug", "rex");
  if (!existsSync(bin)) {
    throw new Error(`no rex binary at ${bin}: run \`cargo build --workspace\` first (or set REX_BIN)`);
  }
  return bin;
}

/** How long a child may take to announce itself, or a desk to answer /health: far beyond a
 * start on the slowest machine, so that only a process that never comes up reaches it. */
const PATIENCE_MS = 60_000;

const children = new Set();
process.on("exit", () => killAll());

/** Runs `rex args…` to its end; returns stdout, throws with stderr if it fails. */
function rex(bin, args) {
  try {
    return execFileSync(bin, args, {
      encoding: "utf8",
      env: { ...process.env, RUST_BACKTRACE: "1", RUST_LOG: "" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
  } catch (e) {
    throw new Error(`rex ${args.join(" ")} failed: ${e.stderr || e.message}`);
  }
}

/** The first match of `re` in `text`, or a failure naming what was expected. */
function grab(text, re, what) {
  const m = text.match(re);
  if (!m) throw new Error(`expected ${what} in: ${text}`);
  return m[1];
}

/** Starts `rex args…` and waits (bounded) for a stderr line matching `announce`. Resolves to
 * `{child, match}`; rejects with the lines seen if the child exits or the time runs out. */
function start(bin, args, announce) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, {
      env: { ...process.env, RUST_BACKTRACE: "1", RUST_LOG: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.add(child);
    child.on("exit", () => children.delete(child));
    const seen = [];
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill("SIGKILL");
      reject(new Error(`rex ${args.join(" ")} did not announce itself in ${PATIENCE_MS} ms:\n${seen.join("\n")}`));
    }, PATIENCE_MS);
    // Reads stderr to its end, so that the child never blocks on a full pipe.
    createInterface({ input: child.stderr }).on("line", (line) => {
      seen.push(line);
      child.lines = seen;
      const m = done ? null : line.match(announce);
      if (m) {
        done = true;
        clearTimeout(timer);
        resolvePromise({ child, match: m });
      }
    });
    child.on("exit", (code, signal) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`rex ${args.join(" ")} exited (${code ?? signal}) before announcing itself:\n${seen.join("\n")}`));
    });
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort() {
  return new Promise((resolvePromise, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolvePromise(port));
    });
  });
}

/** Polls `url` until it answers 200 (bounded by PATIENCE_MS). */
async function healthy(url) {
  const until = Date.now() + PATIENCE_MS;
  let last = "no answer";
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      last = `${r.status} ${await r.text()}`;
      if (r.ok) return;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 in ${PATIENCE_MS} ms: ${last}`);
}

/** `rex node serve` for the node in `dir` at http://HOST.localhost:PORT. The public URL must
 * carry the port the desk listens on, so a free port is picked first; if another process takes
 * it in between, the desk fails to bind and another port is tried. */
async function serveDesk(bin, dir, host) {
  let lastError;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const url = `http://${host}.localhost:${port}`;
    try {
      const { child, match } = await start(
        bin,
        ["node", "serve", "--data", dir, "--listen", `127.0.0.1:${port}`, "--public-url", url, "--sync-every", "2s"],
        /^rex node: desk of (\w+) at (\S+) \(listening on ([\d.:]+)\)/,
      );
      if (match[2] !== url) throw new Error(`the desk announced ${match[2]}, not ${url}`);
      await healthy(`http://${match[3]}/health`);
      return { child, url, party: match[1] };
    } catch (e) {
      lastError = e;
      if (!/cannot listen/.test(e.message)) throw e;
    }
  }
  throw lastError;
}

/**
 * Makes the world and serves the desks. Returns
 * `{dir, hub, us, ru, agreements, requests, exchanges, officers, stop()}` where `us` and `ru` are
 * `{url, dir}`, `officers[handle] = {party, code, roles}`, `requests` names the requests by
 * role in the story and `exchanges` lists the exchange ids the matching round proposed.
 */
export async function boot() {
  const bin = rexBinary();
  const dir = mkdtempSync(join(tmpdir(), "rex-e2e-"));
  try {
    return await make(bin, dir);
  } catch (e) {
    killAll();
    if (!process.env.REX_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Kills every child still running (SIGKILL). */
export function killAll() {
  for (const c of children) c.kill("SIGKILL");
}

async function make(bin, dir) {
  const run = (...args) => rex(bin, args);
  const hubDir = join(dir, "hub");
  const operatorKey = join(hubDir, "operator.key");

  const hubStarted = await start(bin, ["hub", "serve", "--data", hubDir, "--listen", "127.0.0.1:0"], /^rex hub: serving .* on (http:\/\/\S+)$/);
  const hub = hubStarted.match[1];

  const node = {};
  for (const p of ["US", "RU", "DE"]) {
    node[p] = join(dir, p.toLowerCase());
    run("node", "init", "--party", p, "--hub", hub, "--data", node[p]);
    run("hub", "party", "add", "--hub", hub, "--operator-key", operatorKey, join(node[p], "public-keys.json"));
  }

  // Act one of the demo: US and RU, a bilateral agreement, prosecution at home counts.
  const offences = "illegal_access,data_interference,computer_related_fraud,ransomware_extortion";
  const agreement = (proposer, members, maxCycle, signers) => {
    const out = run("agreement", "propose", "--data", node[proposer], "--members", members, "--offences", offences, "--max-cycle", String(maxCycle), "--prosecution-at-home");
    const id = grab(out, /proposed agreement (agr_\w+)/, "an agreement id");
    for (const s of signers) run("agreement", "sign", "--data", node[s], id);
    return id;
  };
  const bilateral = agreement("US", "US,RU", 2, ["RU"]);
  const trilateral = agreement("DE", "DE,RU,US", 3, ["RU", "US"]);

  const file = (requester, custodian, agr, offences, severity, ownNational, dossier) => {
    const path = join(dir, `dossier-${Math.random().toString(36).slice(2)}.txt`);
    writeFileSync(path, dossier);
    const args = ["request", "file", "--data", node[requester], "--custodian", custodian, "--agreement", agr, "--offences", offences, "--max-penalty-months", "120", "--severity", severity, "--dossier", path];
    if (ownNational) args.push("--own-national");
    return grab(run(...args), /filed request (req_\w+)/, "a request id");
  };
  const answer = (custodian, request, how) => run("request", "answer", "--data", node[custodian], request, how);

  const requests = {};
  requests.usAsks = file("US", "RU", bilateral, "illegal_access,ransomware_extortion", "grave", true,
    "Subjects: two operators of a ransomware affiliate programme. Russian nationals.\nFacts: the May 2021 pipeline extortion.\nEvidence: wallet tracing, chat logs.\nWarrant: D.D.C. 2021.\n");
  requests.ruAsks = file("RU", "US", bilateral, "computer_related_fraud,illegal_access", "serious", false,
    "Subject: a carding-forum administrator residing in the US, not a US national.\nFacts: fraud against Russian banks.\nWarrant: Moscow court 2021.\n");
  answer("RU", requests.usAsks, "prosecution-at-home");
  answer("US", requests.ruAsks, "surrender");
  // Act two: a three-state cycle of surrenders.
  requests.usToRu = file("US", "RU", trilateral, "data_interference", "serious", false,
    "Subject: a Ukrainian national in Russia; wiper attack on US utilities.\n");
  requests.ruToDe = file("RU", "DE", trilateral, "illegal_access", "serious", false,
    "Subject: a botnet operator arrested in Germany; attacks on Russian ministries.\n");
  requests.deToUs = file("DE", "US", trilateral, "ransomware_extortion", "grave", false,
    "Subject: a ransomware negotiator held in the US; extortion of a German hospital.\n");
  answer("RU", requests.usToRu, "surrender");
  answer("DE", requests.ruToDe, "surrender");
  answer("US", requests.deToUs, "surrender");
  // The matching round: the hub's operator proposes the exchanges it finds.
  const matched = run("hub", "match", "--hub", hub, "--operator-key", operatorKey);
  const shown = run("exchange", "show", "--data", node.US);
  const exchanges = [...new Set(shown.match(/exc_\w+/g) || [])];
  if (exchanges.length === 0) throw new Error(`the matching round proposed no exchange: ${matched}${shown}`);
  // Left for the desks: a request each state must still answer.
  requests.ruWaits = file("RU", "US", bilateral, "illegal_access", "serious", false,
    "Subject: an initial-access broker seen in Miami.\nFacts: sale of access to Russian banks.\n");
  requests.usWaits = file("US", "RU", bilateral, "computer_related_fraud", "serious", false,
    "Subject: a bulletproof hosting provider in Saint Petersburg.\nFacts: hosting of phishing kits.\n");

  const officers = {};
  const officer = (p, handle, name, ...roles) => {
    const out = run("node", "officer", "add", "--data", node[p], "--handle", handle, "--name", name, ...roles.flatMap((r) => ["--role", r]));
    officers[handle] = { party: p, name, roles, code: grab(out, /enrolment code (\S+) /, "an enrolment code") };
  };
  officer("US", "jroe", "Jane Roe", "case-officer", "approver");
  officer("US", "admin", "Alex Admin", "admin");
  officer("US", "audit", "Avery Auditor", "auditor");
  officer("US", "mkane", "Mary Kane", "approver");
  officer("US", "lliu", "Lee Liu", "liaison");
  officer("RU", "ipetrov", "Ivan Petrov", "case-officer");
  officer("RU", "avolkova", "Anna Volkova", "liaison");
  // Signing keys for some of them, certified in the log under their desk handles: their acts
  // on the desk carry their own signatures besides the node's (binding acts by two of them).
  const certify = (p, handle, ...roles) => {
    run("node", "officer-key", "create", "--data", node[p], handle);
    run("node", "officer-key", "certify", "--data", node[p], handle, ...roles.flatMap((r) => ["--role", r]));
  };
  certify("US", "jroe", "case-officer", "approver");
  certify("US", "mkane", "approver");
  certify("US", "lliu", "liaison");
  certify("RU", "avolkova", "liaison");

  const us = { dir: node.US, ...(await serveDesk(bin, node.US, "us")) };
  const ru = { dir: node.RU, ...(await serveDesk(bin, node.RU, "ru")) };

  const stop = async () => {
    for (const c of [us.child, ru.child, hubStarted.child]) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((r) => c.once("exit", r));
        c.kill("SIGINT");
        const t = setTimeout(() => c.kill("SIGKILL"), 5_000);
        await gone;
        clearTimeout(t);
      }
    }
    if (!process.env.REX_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  return { dir, hub, us, ru, agreements: { bilateral, trilateral }, requests, exchanges, officers, run, stop };
}
