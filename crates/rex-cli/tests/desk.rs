//! `rex node officer` and `rex node serve` through the binary: officers enrolled and revoked
//! on the command line (one-line errors for bad roles and handles), and the desk served while
//! the CLI keeps acting on the same data directory.

use crate::common;

use common::{one_line, rex, serve};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Child, Command, Stdio};

fn ok(args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let output = rex().args(args).output().expect("run rex");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn fails(args: &[&dyn AsRef<std::ffi::OsStr>], says: &str) {
    let output = rex().args(args).output().expect("run rex");
    let line = one_line(&output.stderr, "rex node officer");
    assert_eq!(output.status.code(), Some(2), "{line}");
    assert!(line.contains(says), "{line:?} does not say {says:?}");
}

/// `GET path` on `addr`, HTTP/1.1 by hand: the status code and the body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the desk");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

/// Waits (bounded, whatever the machine's speed) until the desk on `addr` answers `/health`
/// with 200 (its first sync done); returns the last answer.
fn healthy(addr: &str) -> (u16, String) {
    let mut health = (0, String::new());
    for _ in 0..600 {
        health = get(addr, "/health");
        if health.0 == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    health
}

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn officers_are_enrolled_on_the_command_line_and_the_desk_serves_while_the_cli_acts() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let hub_dir = d.join("hub");
    let hub = serve(&hub_dir);
    let us = d.join("US");
    ok(&[
        &"node", &"init", &"--party", &"US", &"--hub", &hub.url, &"--data", &us,
    ]);
    ok(&[
        &"hub",
        &"party",
        &"add",
        &"--hub",
        &hub.url,
        &"--operator-key",
        &hub_dir.join("operator.key"),
        &us.join("public-keys.json"),
    ]);

    let added = ok(&[
        &"node",
        &"officer",
        &"add",
        &"--data",
        &us,
        &"--handle",
        &"jroe",
        &"--name",
        &"Jane Roe",
        &"--role",
        &"case-officer",
        &"--role",
        &"approver",
    ]);
    assert!(
        added.contains("jroe (Jane Roe) enrolled as case officer, approver; enrolment code "),
        "{added}"
    );
    let again = ok(&[&"node", &"officer", &"enrol", &"--data", &us, &"jroe"]);
    assert!(again.starts_with("enrolment code for jroe: "), "{again}");
    fails(
        &[
            &"node",
            &"officer",
            &"add",
            &"--data",
            &us,
            &"--handle",
            &"boss",
            &"--name",
            &"Boss",
            &"--role",
            &"admin",
            &"--role",
            &"approver",
        ],
        "separation of duties",
    );
    fails(
        &[
            &"node",
            &"officer",
            &"add",
            &"--data",
            &us,
            &"--handle",
            &"J Roe",
            &"--name",
            &"J",
            &"--role",
            &"liaison",
        ],
        "is not a handle",
    );
    fails(
        &[
            &"node",
            &"officer",
            &"add",
            &"--data",
            &us,
            &"--handle",
            &"jroe",
            &"--name",
            &"Again",
            &"--role",
            &"liaison",
        ],
        "exists already",
    );
    fails(
        &[
            &"node",
            &"officer",
            &"add",
            &"--data",
            &us,
            &"--handle",
            &"x",
            &"--name",
            &"X",
            &"--role",
            &"judge",
        ],
        "is not a role",
    );

    // The desk, on a port the system picks.
    let mut child = Command::new(common::REX)
        .args([
            "node",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--sync-every",
            "1s",
            "--data",
        ])
        .arg(&us)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rex node serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let served = Served(child);
    let announced = lines.next().expect("an announcement").unwrap();
    let addr = announced
        .split("(listening on ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or_else(|| panic!("{announced}"))
        .to_owned();
    assert!(
        announced.starts_with("rex node: desk of US at http://localhost:"),
        "{announced}"
    );
    // The first sync runs at start: wait for it.
    let health = healthy(&addr);
    assert_eq!(health.0, 200, "{}", health.1);
    assert!(health.1.contains("\"party\":\"US\""), "{}", health.1);
    let (status, login) = get(&addr, "/login");
    assert_eq!(status, 200);
    assert!(login.contains("Log in with your passkey"));
    assert_eq!(get(&addr, "/").0, 303, "no session: to the login page");

    // Meanwhile the CLI acts on the same directory: it syncs and signs in turn.
    let synced = ok(&[&"node", &"sync", &"--data", &us]);
    assert!(synced.contains("US synced"), "{synced}");
    ok(&[
        &"node",
        &"witness-policy",
        &"--data",
        &us,
        &"--agreement-partners",
    ]);
    ok(&[&"node", &"officer", &"revoke", &"--data", &us, &"jroe"]);
    let listed = ok(&[&"node", &"officer", &"list", &"--data", &us]);
    assert!(
        listed.contains("jroe\tJane Roe\tcase-officer,approver\trevoked"),
        "{listed}"
    );
    assert_eq!(get(&addr, "/health").0, 200);
    drop(served);
}

#[test]
fn the_demo_with_ui_keeps_every_state_s_desk_running_with_enrolment_codes() {
    // Killed at the end: its data goes in a directory the test removes.
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(common::REX)
        .args(["demo", "--ui", "--keep"])
        .arg(tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("rex demo --ui");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let served = Served(child);
    let mut desks = Vec::new();
    let mut seen = Vec::new();
    for line in lines {
        let line = line.unwrap();
        if let Some(rest) = line.split_once(" desk: http://") {
            desks.push((rest.0.to_owned(), rest.1.to_owned()));
        }
        let done = line.starts_with("Open a desk's /enrol page");
        seen.push(line);
        if done {
            break;
        }
    }
    let story = seen.join("\n");
    assert!(story.contains("rex demo: everything verified"), "{story}");
    assert!(story.contains("awaits the US's acknowledgement"), "{story}");
    let states: Vec<&str> = desks.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(states, ["US", "RU", "DE", "FR"], "{story}");
    for (state, rest) in &desks {
        // `us.localhost:PORT/enrol  (officer code: case XXXXX-..., liaison ..., auditor ...)`
        let host = rest.split('/').next().unwrap();
        assert!(
            host.starts_with(&format!("{}.localhost:", state.to_lowercase())),
            "{rest}"
        );
        for handle in ["case ", "liaison ", "auditor "] {
            assert!(rest.contains(handle), "{rest}");
        }
        let addr = format!("127.0.0.1:{}", host.split(':').nth(1).unwrap());
        let health = healthy(&addr);
        assert_eq!(health.0, 200, "{state}: {}", health.1);
        assert_eq!(get(&addr, "/enrol").0, 200);
    }
    drop(served);
}
