// The officers' desk in a real browser (Debian's chromium, driven by playwright-core), against
// the `rex` binary that cargo built: see lib/boot.mjs for the world and lib/browser.mjs for the
// browser. The scenarios run in order and share the world; each checks, on every page it
// opens, that axe-core (WCAG 2.2 AA) finds no violation, and the last one that no page made a
// request to another origin or raised an error.
//
//   node --test desk.test.mjs > run.log 2>&1     (from e2e/, after `cargo build --workspace`)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { boot, killAll } from "./lib/boot.mjs";
import { launch, officerContext, axe, screenshot, WAIT_MS } from "./lib/browser.mjs";

/** The warrant a case officer attaches to the request they draft. */
const WARRANT = "%PDF-1.7\n% Arrest warrant, E.D.N.Y. 2021 (a test document)\n%%EOF\n";

/** Time for one scenario: a handful of pages, each checked by axe, on a slow shared machine. */
const SCENARIO = { timeout: 120_000 };

let world;
let browser;
/** Every context opened, with its origin-and-error guard. */
const contexts = [];
/** The logged-in officers: handle -> {context, page, problems}. */
const officers = {};

before(async () => {
  world = await boot();
  browser = await launch();
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  if (world) await world.stop();
  else killAll();
});

async function open(origin, options) {
  const c = await officerContext(browser, origin, options);
  contexts.push(c);
  return c;
}

/** Opens `path`, checks its status and that axe finds nothing; returns the page. */
async function visit(page, path, { status = 200, shot } = {}) {
  const response = await page.goto(path);
  assert.equal(response.status(), status, `${path}: ${await page.locator("body").innerText()}`);
  await accessible(page);
  if (shot) await screenshot(page, shot);
  return page;
}

/** The desk's pages, as route patterns: axe must have checked each at least once. */
const PAGES = {
  "/login": /^\/login$/,
  "/enrol": /^\/enrol$/,
  "/ (the desk)": /^\/$/,
  "/queue": /^\/queue$/,
  "/requests/{id}": /^\/requests\/req_\w+$/,
  "/requests/{id}/dossier": /^\/requests\/req_\w+\/dossier$/,
  "/exchanges/{id}": /^\/exchanges\/exc_\w+$/,
  "/log": /^\/log$/,
  "/ledger": /^\/ledger$/,
  "/profile": /^\/profile$/,
  "/officers": /^\/officers$/,
  "/audit": /^\/audit$/,
  "/requests/new": /^\/requests\/new$/,
  "/approvals": /^\/approvals$/,
  "/approvals/{id}": /^\/approvals\/\w+$/,
  "/messages": /^\/messages$/,
  "/messages/new": /^\/messages\/new$/,
  "/messages/{id}": /^\/messages\/(?!new$)\w+$/,
  "/evidence/{index}": /^\/evidence\/\d+$/,
};
/** Every URL axe checked, with what it found (nothing, or the test failed there). */
const checked = [];

async function accessible(page) {
  const violations = await axe(page);
  checked.push(page.url());
  assert.deepEqual(violations, [], `axe on ${page.url()}:\n${violations.join("\n")}`);
}

/** Enrols `handle` with their one-time code in a fresh context with a virtual authenticator;
 * enrolment logs the officer in. */
async function enrol(handle) {
  const o = world.officers[handle];
  const origin = o.party === "US" ? world.us.url : world.ru.url;
  const c = await open(origin);
  await c.page.goto("/enrol");
  await c.page.getByLabel("Enrolment code").fill(o.code);
  await c.page.getByRole("button", { name: "Register a passkey" }).click();
  await c.page.waitForURL(`${origin}/`, { timeout: WAIT_MS });
  officers[handle] = c;
  return c;
}

/** The rows of the first table on the page, as arrays of cell texts. */
async function rows(page, selector = "table tbody tr") {
  return page.locator(selector).evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.innerText.trim())));
}

test("an officer enrols with the one-time code and logs in with a passkey", SCENARIO, async () => {
  const { url } = world.us;
  const c = await open(url);
  const { page } = c;
  // No session: to the login page, which needs JavaScript only for the passkey.
  await page.goto("/");
  assert.equal(page.url(), `${url}/login`);
  await accessible(page);
  await screenshot(page, "login");
  await page.getByRole("link", { name: "Enrol with the code your admin gave you" }).click();
  await page.waitForURL(`${url}/enrol`);
  await accessible(page);

  const code = world.officers.jroe.code;
  await page.getByLabel("Enrolment code").fill(code.toLowerCase());
  await page.getByRole("button", { name: "Register a passkey" }).click();
  await page.waitForURL(`${url}/`, { timeout: WAIT_MS });
  await page.getByRole("heading", { name: "Desk", level: 1 }).waitFor();
  assert.match(await page.locator("header .who").innerText(), /jroe \(case officer, approver\)/);
  const credentials = await page.credentials();
  assert.equal(credentials.length, 1, "one passkey registered");
  assert.equal(credentials[0].rpId, "us.localhost");

  // Logged out, the desk is closed again; the passkey logs the officer back in.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(`${url}/login`);
  await page.goto("/queue");
  assert.equal(page.url(), `${url}/login`, "the session ended at logout");
  await page.getByLabel("Officer handle").fill("jroe");
  await page.getByRole("button", { name: "Log in with your passkey" }).click();
  await page.waitForURL(`${url}/`, { timeout: WAIT_MS });
  assert.match(await page.locator("header .who").innerText(), /jroe/);
  officers.jroe = c;

  // The code was for one use: a second enrolment with it is refused, and says so.
  const other = await open(url);
  await other.page.goto("/enrol");
  await other.page.getByLabel("Enrolment code").fill(code);
  await other.page.getByRole("button", { name: "Register a passkey" }).click();
  await other.page.getByRole("status").filter({ hasText: /^Not (logged in|done): / }).waitFor();
  assert.equal(other.page.url(), `${url}/enrol`);
  assert.equal((await other.page.credentials()).length, 0);
});

test("the desk shows what awaits the state, soonest due first, and the node's health", SCENARIO, async () => {
  const { page } = officers.jroe;
  await visit(page, "/", { shot: "desk" });
  const items = await rows(page, "table.awaiting tbody tr");
  const whats = items.map((r) => r[0]);
  assert.ok(whats.includes(`answer request ${world.requests.ruWaits} from RU`), whats.join("\n"));
  for (const x of world.exchanges) {
    assert.ok(whats.some((w) => w.startsWith(`sign exchange ${x} (`)), `${x} awaits US's signature:\n${whats.join("\n")}`);
  }
  // Dated items first; the request to answer has no deadline and comes last.
  assert.equal(whats.at(-1), `answer request ${world.requests.ruWaits} from RU`);
  await page.getByRole("link", { name: `answer request ${world.requests.ruWaits} from RU` }).click();
  await page.waitForURL(`${world.us.url}/requests/${world.requests.ruWaits}`);
  await page.goBack();
  const health = page.locator("section.health");
  assert.match(await health.innerText(), /reachable, log consistent/);
});

test("the work queue filters through the URL, with or without the form", SCENARIO, async () => {
  const { page } = officers.jroe;
  const r = world.requests;
  const mine = [r.usAsks, r.ruAsks, r.usToRu, r.deToUs, r.ruWaits, r.usWaits];
  await visit(page, "/queue", { shot: "queue" });
  let listed = (await rows(page)).map((row) => row[0]);
  assert.deepEqual([...listed].sort(), [...mine].sort(), "every request US is party to, and no other");
  assert.match(await page.locator("table.queue caption").innerText(), /^6 requests/);

  await visit(page, "/queue?side=incoming&status=awaiting_answer");
  listed = await rows(page);
  assert.deepEqual(listed.map((row) => row.slice(0, 3)), [[r.ruWaits, "incoming", "RU"]]);
  assert.equal(await page.locator("#side").inputValue(), "incoming", "the form shows the filter");
  assert.equal(await page.locator("#status").inputValue(), "awaiting_answer");

  // The form writes the filter into the URL.
  await page.locator("#side").selectOption("outgoing");
  await page.locator("#status").selectOption("");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/\/queue\?side=outgoing&status=$/);
  listed = await rows(page);
  assert.deepEqual(listed.map((row) => row[0]).sort(), [r.usAsks, r.usToRu, r.usWaits].sort());
  assert.ok(listed.every((row) => row[1] === "outgoing"));
  await accessible(page);

  await visit(page, "/queue?status=fulfilled");
  assert.match(await page.locator("p.empty").innerText(), /No request matches/);
  await visit(page, "/queue?side=sideways", { status: 422 });
  assert.match(await page.locator("p.message").innerText(), /side "sideways": use incoming or outgoing/);
});

test("a case officer reads the case and its dossier, decrypted on the node", SCENARIO, async () => {
  const { page } = officers.jroe;
  const id = world.requests.usAsks;
  await visit(page, `/requests/${id}`, { shot: "case" });
  const facts = await page.locator("dl.case").innerText();
  assert.match(facts, /Requester\s+US/);
  assert.match(facts, /Custodian\s+RU/);
  assert.match(facts, /Answer\s+prosecution at home/);
  assert.match(facts, /The custodian may answer\s+prosecution at home or refusal only/);
  // The screening checklist, rule by rule, with who evaluated each.
  const checks = await rows(page, "section[aria-labelledby=screening] tbody tr");
  assert.deepEqual(checks.map((row) => row[0]), ["legal basis", "offence covered", "dual criminality", "penalty threshold", "own national bar", "excluded category"]);
  assert.ok(checks.every((row) => row[1] === "hub, on the metadata" && row[2] === "passed"), JSON.stringify(checks));
  await page.getByRole("link", { name: /Open the dossier/ }).click();
  await page.waitForURL(`${world.us.url}/requests/${id}/dossier`);
  await accessible(page);
  assert.match(await page.locator("pre.dossier").innerText(), /the May 2021 pipeline extortion/);

  // The custodian's case officer decrypts the same dossier from the hub's ciphertext.
  const ru = await enrol("ipetrov");
  await visit(ru.page, `/requests/${id}/dossier`, { shot: "dossier-ru" });
  assert.match(await ru.page.locator("pre.dossier").innerText(), /Warrant: D\.D\.C\. 2021\./);
  assert.match(await ru.page.locator("header .brand").innerText(), /rex desk RU/);
});

test("an admin is refused the dossier, and sees who opened it in the audit trail", SCENARIO, async () => {
  const { page } = await enrol("admin");
  const id = world.requests.usAsks;
  await visit(page, `/requests/${id}`);
  assert.equal(await page.getByRole("link", { name: /Open the dossier/ }).count(), 0, "no link for an admin");
  await visit(page, `/requests/${id}/dossier`, { status: 403 });
  assert.match(await page.locator("p.message").innerText(), /reading a dossier is for the case officer or approver or auditor roles; admin holds admin/);
  assert.equal(await page.locator("pre.dossier").count(), 0);

  await visit(page, "/officers", { shot: "officers" });
  const handles = (await rows(page, "table.officers tbody tr")).map((row) => row[0]);
  assert.deepEqual(handles.sort(), ["admin", "audit", "jroe", "lliu", "mkane"]);
  // The keys certified in the log: the desk officers whose keys the node holds.
  const keys = (await rows(page, "table.keys tbody tr")).map((row) => row[0]);
  assert.deepEqual([...new Set(keys)].sort(), ["jroe", "lliu", "mkane"]);
  await visit(page, "/audit", { shot: "audit" });
  const trail = await rows(page);
  assert.ok(trail.some((row) => row[1] === "jroe" && row[2] === "dossier opened" && row[3] === id), JSON.stringify(trail));
});

test("an exchange page draws its cycle: one node per state, one arrow per leg of the table", SCENARIO, async () => {
  const { page } = officers.jroe;
  let biggest = 0;
  for (const x of world.exchanges) {
    await visit(page, `/exchanges/${x}`);
    const legs = (await rows(page, "table.legs tbody tr")).map(([request, giver, receiver]) => ({ request, giver, receiver }));
    assert.ok(legs.length >= 2, `a cycle has two legs or more: ${JSON.stringify(legs)}`);
    const svg = page.getByRole("img", { name: /^cycle / });
    assert.equal(await svg.count(), 1, "the drawing has an accessible name");
    const nodes = await page.locator("svg g.state").evaluateAll((gs) =>
      gs.map((g) => ({ party: g.dataset.party, text: g.textContent.trim(), x: +g.querySelector("circle").getAttribute("cx"), y: +g.querySelector("circle").getAttribute("cy") })),
    );
    const arrows = await page.locator("svg line.handover").evaluateAll((ls) =>
      ls.map((l) => ({ from: l.dataset.from, to: l.dataset.to, x1: +l.getAttribute("x1"), y1: +l.getAttribute("y1"), x2: +l.getAttribute("x2"), y2: +l.getAttribute("y2") })),
    );
    const states = [...new Set(legs.flatMap((l) => [l.giver, l.receiver]))].sort();
    assert.deepEqual(nodes.map((n) => n.party).sort(), states, "one node per state of the legs");
    assert.ok(nodes.every((n) => n.text === n.party), "each node is labelled with its state");
    const pairs = (list) => list.map((a) => `${a.from}→${a.to}`).sort();
    assert.deepEqual(pairs(arrows), pairs(legs.map((l) => ({ from: l.giver, to: l.receiver }))), "one arrow per leg, giver to receiver");
    // Each arrow leaves its giver's circle and points at its receiver's.
    const at = Object.fromEntries(nodes.map((n) => [n.party, n]));
    const d = (x, y, n) => Math.hypot(x - n.x, y - n.y);
    for (const a of arrows) {
      assert.ok(d(a.x1, a.y1, at[a.from]) < d(a.x1, a.y1, at[a.to]), `arrow ${a.from}→${a.to} starts at ${a.from}`);
      assert.ok(d(a.x2, a.y2, at[a.to]) < d(a.x2, a.y2, at[a.from]), `arrow ${a.from}→${a.to} ends at ${a.to}`);
    }
    // The accessible name says the cycle in words.
    const name = await page.locator("svg title").textContent();
    for (const s of states) assert.ok(name.includes(s), `${name} names ${s}`);
    if (legs.length > biggest) {
      biggest = legs.length;
      await screenshot(page, "exchange");
    }
    // Each leg links to its case.
    await page.locator("table.legs").getByRole("link", { name: legs[0].request }).click();
    await page.waitForURL(`${world.us.url}/requests/${legs[0].request}`);
    assert.match(await page.locator("dl.case").innerText(), new RegExp(`Exchange\\s+${x}`));
  }
});

test("the ledger page shows what this state gave and received per counterpart", SCENARIO, async () => {
  const { page } = officers.jroe;
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Ledger" }).click();
  await page.waitForURL(`${world.us.url}/ledger`);
  await accessible(page);
  const counterparts = await page.locator("table.ledger tbody th[scope=row]").allInnerTexts();
  assert.ok(counterparts.includes("RU"), JSON.stringify(counterparts));
  assert.match(await page.locator("main").innerText(), /Balance of US: /);
  await screenshot(page, "ledger");
});

test("the profile page lists each state's law in force and offers a case officer the form to publish", SCENARIO, async () => {
  const { page } = officers.jroe;
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Profile" }).click();
  await page.waitForURL(`${world.us.url}/profile`);
  await accessible(page);
  const states = await page.locator("table.profiles tbody th[scope=row]").allInnerTexts();
  assert.equal(states[0], "US", JSON.stringify(states));
  assert.ok(states.includes("RU"), JSON.stringify(states));
  assert.equal(await page.getByLabel(/^Profile \(JSON/).count(), 1);
  await screenshot(page, "profile");
});

test("the log page shows the checkpoint held and verifies on demand", SCENARIO, async () => {
  const { page } = officers.jroe;
  await visit(page, "/log");
  await page.getByRole("button", { name: "Verify now" }).click();
  await page.waitForURL(`${world.us.url}/log`);
  await accessible(page);
  assert.match(await page.locator("section.health").innerText(), /reachable, log consistent/);
  assert.notEqual(await page.locator("section[aria-labelledby=checkpoint] pre").count(), 0, "a checkpoint is held");
  await screenshot(page, "log");
  // An auditor reads the same log and the audit trail, which records the verification.
  const { page: auditor } = await enrol("audit");
  await visit(auditor, "/audit");
  const trail = await rows(auditor);
  assert.ok(trail.some((row) => row[1] === "jroe" && row[2] === "log verified"), JSON.stringify(trail));
});

/** Reloads `path` on `page` until `ready()` holds (bounded): for what another node's sync
 * loop brings, which no page can wait on otherwise. */
async function until(page, path, ready, what) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    await page.goto(path);
    if (await ready()) return;
    if (Date.now() > deadline) assert.fail(`${path}: ${what} did not come within 60 s:\n${await page.locator("main").innerText()}`);
    await page.waitForTimeout(500);
  }
}

test("a case officer drafts a request; they cannot approve it; a second officer approves it after a passkey check", SCENARIO, async () => {
  const { page } = officers.jroe;
  const { url } = world.us;
  await visit(page, "/requests/new");
  await page.getByLabel("Custodian (the state holding the subject)").selectOption("RU");
  await page.getByLabel("Agreement").selectOption(world.agreements.bilateral);
  await page.getByLabel("illegal access").check();
  await page.getByLabel("Maximum penalty (months)").fill("60");
  await page.getByLabel("Severity").selectOption("serious");
  await page.getByLabel(/^Dossier/).fill("Subject: a phishing-kit author travelling through Sochi.\nWarrant: E.D.N.Y. 2021.\n");
  // A typed attachment, chosen as an officer would with the file picker.
  await page.getByLabel("Warrant or order").setInputFiles({ name: "warrant-edny-2021.pdf", mimeType: "application/pdf", buffer: Buffer.from(WARRANT) });
  await page.getByRole("button", { name: "Save the draft for approval" }).click();
  await page.waitForURL(/\/approvals\/\w+$/);
  const draft = new URL(page.url()).pathname;
  await accessible(page);
  assert.equal(await page.locator("dd.state").innerText(), "awaiting");
  assert.match(await page.locator("dd.summary").innerText(), /RU.* with 1 attachment \(warrant; \d+ bytes\)/);
  assert.deepEqual((await rows(page, "table.attachments tbody tr")).map((r) => r.slice(0, 5)), [["1", "warrant", "warrant-edny-2021.pdf", "application/pdf", String(WARRANT.length)]]);
  assert.match(await page.locator("main").innerText(), /You drafted this act: another officer, an approver, approves it\./);
  assert.equal(await page.getByRole("button", { name: /approve/i }).count(), 0, "the drafter is offered no approval");

  const { page: approver } = await enrol("mkane");
  await visit(approver, "/approvals");
  await approver.getByRole("link", { name: draft.split("/").pop(), exact: true }).click();
  await approver.waitForURL(`${url}${draft}`);
  await accessible(approver);
  await approver.getByRole("button", { name: "Confirm with your passkey to approve" }).click();
  await approver.getByRole("button", { name: "Approve and sign" }).waitFor();
  await accessible(approver);
  await approver.getByRole("button", { name: "Approve and sign" }).click();
  await approver.waitForURL(`${url}${draft}`);
  assert.equal(await approver.locator("dd.state").innerText(), "approved");
  const outcome = await approver.locator("dd.outcome").innerText();
  assert.match(outcome, /^request req_\w+ filed: logged at index \d+/);
  const filed = outcome.match(/req_\w+/)[0];
  world.requests.drafted = filed;
  await screenshot(approver, "approval");
  // The request is filed: it is among US's outgoing requests awaiting an answer.
  await until(page, "/queue?side=outgoing&status=awaiting_answer", async () => (await rows(page)).some((r) => r[0] === filed), `request ${filed}`);
  assert.deepEqual((await rows(page)).map((r) => r[0]).sort(), [filed, world.requests.usWaits].sort());
});

test("a case officer raises a political-offence objection and drafts its decision; a second officer approves it after a passkey check", SCENARIO, async () => {
  const { page } = officers.jroe;
  const { url } = world.us;
  const id = world.requests.ruWaits;
  const checklist = async (p) => rows(p, "section[aria-labelledby=screening] tbody tr");
  await visit(page, `/requests/${id}`);
  await page.getByLabel("Raise for a person to decide").selectOption("political_offence");
  await page.getByRole("button", { name: "Raise", exact: true }).click();
  await page.waitForURL(`${url}/requests/${id}`);
  await accessible(page);
  assert.ok((await checklist(page)).some((r) => r[0] === "political offence" && /^awaiting a decision by US/.test(r[2])), (await checklist(page)).join("\n"));
  await page.getByLabel("Check", { exact: true }).selectOption("political_offence");
  await page.getByLabel("passes", { exact: true }).check();
  await page.getByLabel("Grounds", { exact: true }).fill("Carding fraud for gain against banks: nothing political in the acts or the request.");
  await page.locator("form.decision").getByRole("button", { name: "Save the draft", exact: true }).click();
  await page.waitForURL(/\/approvals\/\w+$/);
  const draft = new URL(page.url()).pathname;
  await accessible(page);
  assert.match(await page.locator("dd.summary").innerText(), /political offence passes on request req_\w+ from RU; written grounds of \d+ bytes/);
  const { page: approver } = officers.mkane;
  await visit(approver, draft);
  const approve = approver.getByRole("button", { name: "Approve and sign" });
  if ((await approve.count()) === 0) {
    await approver.getByRole("button", { name: "Confirm with your passkey to approve" }).click();
    await approve.waitFor();
  }
  await approve.click();
  await approver.waitForURL(`${url}${draft}`);
  assert.equal(await approver.locator("dd.state").innerText(), "approved");
  assert.match(await approver.locator("dd.outcome").innerText(), /signed by officers jroe \(drafter\) and mkane \(approver\)$/);
  await until(page, `/requests/${id}`, async () => (await checklist(page)).some((r) => r[0] === "political offence" && r[2] === "passed"), "the decision in the checklist");
  const row = (await checklist(page)).find((r) => r[0] === "political offence");
  assert.match(row[3], /decided by US, grounds sha256/);
  await screenshot(page, "decision");
});

test("the custodian's case officer finds the attachment from the case page and downloads it as a file", SCENARIO, async () => {
  const { page } = officers.ipetrov;
  const filed = world.requests.drafted;
  assert.ok(filed, "the drafting scenario filed a request");
  await until(page, `/requests/${filed}`, async () => (await page.getByRole("link", { name: /Open the dossier/ }).count()) === 1, `request ${filed} on RU's desk`);
  await accessible(page);
  await page.getByRole("link", { name: /Open the dossier/ }).click();
  await page.waitForURL(`${world.ru.url}/requests/${filed}/dossier`);
  await accessible(page);
  const listed = await rows(page, "table.attachments tbody tr");
  assert.deepEqual(listed.map((r) => r.slice(0, 5)), [["1", "warrant", "warrant-edny-2021.pdf", "application/pdf", String(WARRANT.length)]]);
  assert.match(listed[0][5], /^[0-9a-f]{64}$/);
  await screenshot(page, "attachments");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "warrant-edny-2021.pdf" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "warrant-edny-2021.pdf");
  assert.equal(await readFile(await download.path(), "utf8"), WARRANT);
});

test("an attachment over the limit is refused with a page that says the limit, and nothing is drafted", SCENARIO, async () => {
  const { page } = officers.jroe;
  await visit(page, "/approvals");
  const drafts = (await rows(page)).length;
  await visit(page, "/requests/new");
  await page.getByLabel("Custodian (the state holding the subject)").selectOption("RU");
  await page.getByLabel("Agreement").selectOption(world.agreements.bilateral);
  await page.getByLabel("illegal access").check();
  await page.getByLabel("Maximum penalty (months)").fill("60");
  await page.getByLabel(/^Dossier/).fill("Subject: the same author; the disk image is attached.");
  await page.getByLabel("Evidence", { exact: true }).setInputFiles({ name: "disk.img", mimeType: "application/octet-stream", buffer: Buffer.alloc(8 * 1024 * 1024 + 1) });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/requests/new"),
    page.getByRole("button", { name: "Save the draft for approval" }).click(),
  ]);
  assert.equal(response.status(), 413);
  await page.waitForLoadState();
  assert.match(await page.locator("p.message").innerText(), /^the evidence disk\.img is larger than the 8 MiB one attachment may have; split it or compress it$/);
  await accessible(page);
  await visit(page, "/approvals");
  assert.equal((await rows(page)).length, drafts, "nothing drafted");
});

test("an exchange is signed through a draft and a second officer's approval; the execution board shows every leg", SCENARIO, async () => {
  const { page } = officers.jroe;
  const { url } = world.us;
  const x = world.exchanges[0];
  await visit(page, `/exchanges/${x}`);
  assert.match(await page.locator("dd.xstate").innerText(), /^signing: 0 of \d states signed/);
  // The board: a group of rows per leg (giver → receiver, mode, request), a row per step, its
  // status in words; nothing is owed before every state has signed.
  const groups = await page.locator("table.board tbody.leg").count();
  assert.equal(groups, (await rows(page, "table.legs tbody tr")).length, "one group per leg");
  const heads = await page.locator("table.board th[scope=rowgroup]").allInnerTexts();
  assert.ok(heads.every((h) => /^[A-Z]{2} → [A-Z]{2}, (surrender|prosecution at home), request req_\w+/.test(h)), heads.join("\n"));
  const before = await page.locator("table.board td.status").allInnerTexts();
  assert.ok(before.length >= 2 * groups && before.every((s) => s === "not yet"), before.join());

  await page.getByRole("button", { name: "Draft the signature" }).click();
  await page.waitForURL(/\/approvals\/\w+$/);
  const draft = new URL(page.url()).pathname;
  await accessible(page);
  assert.match(await page.locator("dd.summary").innerText(), new RegExp(`^US signs exchange ${x} of \\d states .*proposal SHA-256 [0-9a-f]{64}`));
  assert.equal(await page.getByRole("button", { name: /approve/i }).count(), 0, "the drafter is offered no approval");
  await visit(page, `/exchanges/${x}`);
  assert.match(await page.locator("main").innerText(), new RegExp(`Draft ${draft.split("/").pop()} of this state's signature awaits an approver`));

  const { page: approver } = officers.mkane;
  await visit(approver, draft);
  const approve = approver.getByRole("button", { name: "Approve and sign" });
  if ((await approve.count()) === 0) {
    await approver.getByRole("button", { name: "Confirm with your passkey to approve" }).click();
    await approve.waitFor();
  }
  await accessible(approver);
  await approve.click();
  await approver.waitForURL(`${url}${draft}`);
  assert.equal(await approver.locator("dd.state").innerText(), "approved");
  assert.match(await approver.locator("dd.outcome").innerText(), /signed by officers jroe \(drafter\) and mkane \(approver\)$/);

  await visit(page, `/exchanges/${x}`, { shot: "board" });
  assert.match(await page.locator("dd.xstate").innerText(), /^signing: 1 of \d states signed/);
  assert.match(await page.locator('table.signatures tr[data-party="US"] td').innerText(), /by jroe \(drafter\), mkane \(approver\)$/);
  assert.equal(await page.getByRole("button", { name: "Draft the signature" }).count(), 0, "signed once");
});

test("a US liaison officer writes to RU; a Russian officer reads and acknowledges; the US page shows every receipt", SCENARIO, async () => {
  const { page: us } = await enrol("lliu");
  await visit(us, "/messages/new");
  await us.getByRole("checkbox", { name: "RU" }).check();
  await us.getByLabel("About a request").selectOption(world.requests.usAsks);
  await us.getByLabel("Subject").fill("Custody hearing");
  await us.getByLabel("Message").fill("The hearing is set for 14 June; please confirm the escort.");
  await us.getByRole("button", { name: "Send" }).click();
  await us.waitForURL(/\/messages\/\w+$/);
  const path = new URL(us.url()).pathname;
  const id = path.split("/").pop();
  await accessible(us);

  // The RU node delivers it at its next sync; its liaison officer opens and acknowledges it.
  const { page: ru } = await enrol("avolkova");
  await until(ru, "/messages", async () => (await ru.getByRole("link", { name: new RegExp(id) }).count()) === 1, `message ${id}`);
  await accessible(ru);
  assert.match(await ru.locator("table.inbox").innerText(), /unread/);
  await ru.getByRole("link", { name: new RegExp(id) }).click();
  await ru.waitForURL(`${world.ru.url}${path}`);
  await accessible(ru);
  assert.equal(await ru.locator("h1").innerText(), "Custody hearing");
  assert.match(await ru.locator("pre.letter").innerText(), /please confirm the escort/);
  await ru.getByRole("button", { name: "Acknowledge" }).click();
  await ru.waitForURL(`${world.ru.url}${path}`);
  assert.match(await ru.locator("section.answer, main").first().innerText(), /RU: acknowledged/);

  // The US page shows RU's whole chain once the US node has replayed it.
  await until(us, path, async () => /RU: acknowledged/.test(await us.locator("main").innerText()), "RU's acknowledgement");
  await accessible(us);
  const steps = (await us.locator("ol.chain li").allInnerTexts()).join("\n");
  for (const step of ["submitted", "delivered", "read", "acknowledged"]) assert.match(steps, new RegExp(step), steps);
  // Each side's liaison officer signed its act (the nodes hold their certified keys).
  assert.match(steps, /submitted by US, signed by officer lliu/, steps);
  assert.match(steps, /acknowledged by RU, signed by officer avolkova/, steps);
  await screenshot(us, "message");
  // The inbox reads the registry of the node's last sync: it follows within a sync or two.
  await until(us, "/messages", async () => /RU: acknowledged/.test(await us.locator("table.inbox").innerText()), "the acknowledgement in the inbox");
  await accessible(us);
  await screenshot(us, "messages");
});

test("a form posted to the desk from another site is refused, even with the officer's session in the browser", SCENARIO, async () => {
  // An attacker's page on another site (the RU desk's origin: ru.localhost and us.localhost are
  // different sites) in a browser that holds jroe's US session. The page's own CSP would stop
  // the form (form-action 'self'): bypassing it leaves the US desk's own defence to be tested.
  // Without it the post would reach the handler, which, the SameSite=Strict cookie staying
  // home, would send it to the login page (303); the desk's CSRF check answers 403 first.
  const context = await browser.newContext({ bypassCSP: true });
  context.setDefaultTimeout(WAIT_MS);
  const cookies = await officers.jroe.context.cookies(world.us.url);
  await context.addCookies(cookies);
  const page = await context.newPage();
  await page.goto(`${world.ru.url}/login`);
  const target = `${world.us.url}/log/sync`;
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === target),
    page.evaluate((action) => {
      const form = document.createElement("form");
      form.method = "post";
      form.action = action;
      document.body.append(form);
      form.submit();
    }, target),
  ]);
  assert.equal(response.status(), 403, "the desk refuses a cross-site post");
  await context.close();
  // Nothing was done: the audit trail shows no second verification by jroe.
  const { page: auditor } = officers.audit;
  await visit(auditor, "/audit");
  const verified = (await rows(auditor)).filter((row) => row[1] === "jroe" && row[2] === "log verified");
  assert.equal(verified.length, 1, JSON.stringify(verified));
});

test("an admin revokes an officer on the officers page, and the officer's open session ends at once", SCENARIO, async () => {
  const { page: admin } = officers.admin;
  await visit(admin, "/officers");
  await admin.getByRole("button", { name: "Revoke audit" }).click();
  await admin.waitForURL(`${world.us.url}/officers`);
  const row = (await rows(admin)).find((r) => r[0] === "audit");
  assert.match(row[4], /^revoked /);
  const { page: auditor } = officers.audit;
  await auditor.goto("/audit");
  assert.equal(auditor.url(), `${world.us.url}/login`, "the revoked officer's session is over");
});

test("with JavaScript off, an officer reads the desk, filters the queue and reads the inbox with a session from another context", SCENARIO, async () => {
  const { url } = world.us;
  const noJs = await open(url, { javaScriptEnabled: false, authenticator: false });
  const { page } = noJs;
  await page.goto("/login");
  assert.match(await page.locator("main").innerText(), /Logging in needs JavaScript, for the passkey \(WebAuthn\)\. Every other page works without it\./);
  // The session minted by jroe's passkey login, in this context's cookie jar.
  const cookies = await officers.jroe.context.cookies(url);
  const session = cookies.find((c) => c.name === "rex_session");
  assert.ok(session, "the desk set a session cookie");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");
  await noJs.context.addCookies([session]);

  await page.goto("/");
  await page.getByRole("heading", { name: "Desk", level: 1 }).waitFor();
  const whats = (await rows(page, "table.awaiting tbody tr")).map((r) => r[0]);
  assert.ok(whats.includes(`answer request ${world.requests.ruWaits} from RU`), whats.join("\n"));

  await page.getByRole("link", { name: "Work queue" }).click();
  await page.waitForURL(`${url}/queue`);
  await page.locator("#side").selectOption("incoming");
  await page.locator("#status").selectOption("awaiting_answer");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/\/queue\?side=incoming&status=awaiting_answer$/);
  const listed = (await rows(page)).map((r) => r[0]);
  assert.deepEqual(listed, [world.requests.ruWaits]);
  await screenshot(page, "queue-no-js");
  await page.getByRole("link", { name: world.requests.ruWaits }).click();
  await page.waitForURL(`${url}/requests/${world.requests.ruWaits}`);
  assert.match(await page.locator("dl.case").innerText(), /Status\s+awaiting answer/);
  // The inbox and a letter with its receipts.
  await page.getByRole("link", { name: "Messages" }).click();
  await page.waitForURL(`${url}/messages`);
  const line = page.locator("table.inbox tbody tr").filter({ hasText: "RU: acknowledged" });
  assert.equal(await line.count(), 1);
  await line.getByRole("link").click();
  await page.waitForURL(/\/messages\/msg_\w+$/);
  assert.match(await page.locator("pre.letter").innerText(), /please confirm the escort/);
  assert.match(await page.locator("main").innerText(), /RU: acknowledged/);
});

test("every page reachable by a link, as a case officer and as an admin, passes axe", SCENARIO, async () => {
  // A crawl of the desk's own links (one page per route: ids do not make new routes), so that
  // pages added later are checked without a new line here.
  for (const handle of ["jroe", "admin"]) {
    const { page } = officers[handle];
    const seen = new Set();
    const queue = ["/"];
    while (queue.length > 0 && seen.size < 60) {
      const path = queue.shift();
      const route = path.replace(/\b(req|exc|agr|msg)_\w+/g, "$1_…").replace(/\/evidence\/\d+/, "/evidence/N").replace(/\?.*$/, "");
      // A bundle or an attachment is a download, not a page (the evidence and the attachment
      // tests download one).
      if (seen.has(route) || route.endsWith("/bundle") || /\/attachments\/\d+$/.test(route)) continue;
      seen.add(route);
      await visit(page, path);
      const links = await page.locator("a[href]").evaluateAll((as) => as.map((a) => a.href));
      for (const href of links) {
        const u = new URL(href);
        if (u.origin === world.us.url && !u.pathname.startsWith("/assets/")) queue.push(u.pathname + u.search);
      }
    }
    assert.ok(seen.size >= 6, `${handle} reached ${[...seen].join(" ")}`);
  }
});

test("a case officer opens a statement's evidence from the case's timeline and downloads its bundle", SCENARIO, async () => {
  const { page } = officers.jroe;
  const id = world.requests.usAsks;
  await visit(page, `/requests/${id}`);
  const timeline = await rows(page, "table.statements tbody tr");
  assert.ok(timeline.some((row) => row[2] === "US" && row[3] === "request filed"), JSON.stringify(timeline));
  await page.locator("table.statements a").first().click();
  await page.waitForURL(/\/evidence\/\d+$/);
  await accessible(page);
  await screenshot(page, "evidence");
  assert.match(await page.locator("h1").innerText(), /^Evidence of log entry \d+$/);
  assert.match(await page.locator("p.inclusion").innerText(), /^Inclusion proof verified on this node/);
  assert.match(await page.locator("table.signers").innerText(), /US's node\s+node key/);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download the evidence bundle" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^rex-evidence-us-\d+\.json$/);
  const bundle = JSON.parse(await readFile(await download.path(), "utf8"));
  assert.equal(bundle.format, "rex-evidence/v1");
  assert.match(bundle.about, /^entry \d+: US seq \d+ request_filed$/);
  // At least the US registration, whose key signed the statement, each with its proof.
  assert.ok(bundle.support.length >= 1 && bundle.support.every((p) => p.inclusion.length >= 1), JSON.stringify(bundle.support));
});

test("axe checked every page of the desk", () => {
  const paths = checked.map((u) => new URL(u).pathname);
  for (const [page, pattern] of Object.entries(PAGES)) {
    assert.ok(paths.some((p) => pattern.test(p)), `axe never checked ${page}: ${paths.join(" ")}`);
  }
  // The error page too (a refusal, a bad filter).
  assert.ok(checked.some((u) => /\/dossier$/.test(u)) && checked.some((u) => /side=sideways/.test(u)));
});

test("no page made a request to another origin, raised an error or logged one", (t) => {
  assert.ok(contexts.length >= 6);
  const problems = contexts.flatMap((c) => c.problems);
  assert.deepEqual(problems, []);
  t.diagnostic(`${contexts.length} browser contexts, ${checked.length} pages checked by axe (${[...new Set(checked.map((u) => new URL(u).pathname.replace(/(req|exc)_\w+/g, "$1_…")))].length} routes), no violation`);
});
