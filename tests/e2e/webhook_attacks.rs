//! The webhook attacked as anyone who can reach it would: slow-loris
//! connections, a connection flood, slow bodies, a body that makes the reply
//! explode, poison bodies, requests left waiting past their verdict, clients
//! that hang up before it, a token file others can read, and an
//! endpoint exposed beyond loopback. Every test drives the built binary over
//! real TCP on 127.0.0.1; every wait is on the event itself, with a generous
//! bound that only fires on failure.

use lanner_tests::{Running, TempDir, lanner, plugin_wasm};
use std::{
    io::{ErrorKind, Read, Write},
    net::TcpStream,
    process::Stdio,
    sync::mpsc,
    time::{Duration, Instant},
};
use ureq::{Agent, http::StatusCode};

/// The bound on every wait; it only fires when something is wrong.
const PATIENCE: Duration = Duration::from_secs(60);

const K8S_RULES: &str = r#"
- rule: Pod exec
  desc: someone execs into a pod
  condition: ka.target.subresource = exec
  output: "exec by %ka.user.name"
  priority: NOTICE
  source: k8s_audit
"#;

const HOSTILE_RULES: &str = r#"
- rule: Hostile hello
  desc: a line that greets
  condition: hostile.text startswith "hello"
  output: "said %hostile.text"
  priority: NOTICE
  source: hostile
"#;

fn exec_event(user: &str) -> String {
    serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": format!("id-{user}"),
        "stage": "ResponseStarted", "verb": "create", "user": {"username": user},
        "objectRef": {"resource": "pods", "namespace": "n", "name": "p", "subresource": "exec"},
        "stageTimestamp": "2026-11-28T09:00:00Z"
    })
    .to_string()
}

/// Starts `lanner run --source SOURCE` with `rules` and `config`, serving on
/// an ephemeral loopback port.
fn start(dir: &TempDir, source: &str, rules: &str, config: &str) -> (Running, String) {
    start_with(dir, source, rules, config, |_| {})
}

/// Like [`start`], with `tweak` applied to the command first.
fn start_with(
    dir: &TempDir,
    source: &str,
    rules: &str,
    config: &str,
    tweak: impl FnOnce(&mut std::process::Command),
) -> (Running, String) {
    let rules = dir.write("rules.yaml", rules);
    let config = dir.write("lanner.yaml", config);
    let mut command = lanner();
    command
        .args(["run", "--source", source, "--webhook-listen", "127.0.0.1:0"])
        .args(["--json", "-r"])
        .arg(&rules)
        .arg("-c")
        .arg(&config);
    tweak(&mut command);
    let running = Running::spawn(command, "webhook listening on");
    let url = running.ready_url();
    (running, url)
}

fn agent() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(PATIENCE))
        .build()
        .into()
}

fn post(url: &str, body: &[u8]) -> Result<(StatusCode, String), ureq::Error> {
    let mut response = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)?;
    let status = response.status();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap_or_default();
    Ok((status, text))
}

/// `host:port` of a URL.
fn authority(url: &str) -> String {
    let rest = url.split("://").nth(1).expect("a URL");
    rest.split('/').next().expect("an authority").to_string()
}

/// Reads until the server closes the connection (EOF or reset) and returns
/// what it sent; fails if it keeps the connection open for [`PATIENCE`].
fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("a read timeout");
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return received,
            Ok(n) => {
                received.extend_from_slice(&buffer[..n]);
                assert!(received.len() < 64 << 10, "the server keeps talking");
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return received,
            Err(e) => panic!(
                "the server held the connection for {PATIENCE:?} ({e}); got {:?}",
                String::from_utf8_lossy(&received)
            ),
        }
    }
}

/// Reads one HTTP response whose body has a Content-Length; returns its head.
fn read_response(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("a read timeout");
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    while !received.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("a response");
        assert_eq!(n, 1, "closed mid-response: {received:?}");
        received.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&received).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().expect("a length"))
        })
        .expect("a Content-Length");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("the body");
    head
}

#[test]
fn slow_loris_endless_headers_slow_bodies_and_idle_connections_are_cut_off() {
    let dir = TempDir::new("webhook-loris");
    // The legitimate connections below (and the last request) must send
    // their headers and bodies within these timeouts; seconds, so a test
    // thread descheduled on a loaded machine still makes it. Each sends its
    // request in one write.
    let (running, url) = start(
        &dir,
        "k8s_audit",
        K8S_RULES,
        "webhook:\n  header_timeout_ms: 10000\n  body_timeout_ms: 10000\n  max_connections: 200\n",
    );
    let address = authority(&url);

    // Slow-loris: half a request line each, then silence.
    let mut loris: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).expect("connects");
            stream.write_all(b"POST /k8s-audit HT").expect("writes");
            stream
        })
        .collect();
    // Headers that never end, however many bytes they hold.
    let mut endless = TcpStream::connect(&address).expect("connects");
    // If the server stopped reading without closing, this write would block.
    endless
        .set_write_timeout(Some(PATIENCE))
        .expect("a write timeout");
    endless
        .write_all(b"POST /k8s-audit HTTP/1.1\r\nHost: x\r\nX-Pad: ")
        .expect("writes");
    let _ = endless.write_all(&vec![b'a'; 256 << 10]);
    // A body that stops arriving.
    let mut slow_body = TcpStream::connect(&address).expect("connects");
    slow_body
        .write_all(
            b"POST /k8s-audit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[1,",
        )
        .expect("writes");
    // A kept-alive connection that goes quiet after one request.
    let mut idle = TcpStream::connect(&address).expect("connects");
    let body = r#"{"hello":"world"}"#;
    let request = format!(
        "POST /k8s-audit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    idle.write_all(request.as_bytes()).expect("writes");
    let head = read_response(&mut idle);
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");

    for stream in &mut loris {
        read_until_closed(stream);
    }
    read_until_closed(&mut endless);
    let answer = String::from_utf8_lossy(&read_until_closed(&mut slow_body)).to_string();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    read_until_closed(&mut idle);

    // And the endpoint still serves.
    let (status, reply) = post(&url, exec_event("legit").as_bytes()).expect("answered");
    assert_eq!(status, StatusCode::OK, "{reply}");
    running.wait_for_line(PATIENCE, |line| line.contains("exec by legit"));
    let (status, errors) = running.terminate();
    assert!(status.success(), "{errors:#?}");
    let summary = errors
        .iter()
        .find(|line| line.contains("k8s_audit webhook:"))
        .unwrap_or_else(|| panic!("no summary in {errors:#?}"));
    assert!(summary.contains("1 too slow"), "{summary}");
}

#[test]
fn a_tls_client_that_never_finishes_its_handshake_is_cut_off() {
    let dir = TempDir::new("webhook-tls-slow");
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("a self-signed certificate");
    let pem = dir.write(
        "falco.pem",
        &format!(
            "{}{}",
            certified.cert.pem(),
            certified.signing_key.serialize_pem()
        ),
    );
    let config = format!(
        "webhook:\n  handshake_timeout_ms: 300\n  tls_certificate: {}\nplugins:\n  - name: k8saudit\n    library_path: libk8saudit.so\n    open_params: \"https://:9765/k8s-audit\"\n",
        pem.display()
    );
    let (running, url) = start(&dir, "k8s_audit", K8S_RULES, &config);
    let address = authority(&url);
    let mut silent: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(&address).expect("connects"))
        .collect();
    // Half a ClientHello record header.
    silent[0].write_all(&[0x16, 0x03]).expect("writes");
    for stream in &mut silent {
        read_until_closed(stream);
    }
    let (status, errors) = running.terminate();
    assert!(status.success(), "{errors:#?}");
    let summary = errors
        .iter()
        .find(|line| line.contains("k8s_audit webhook:"))
        .unwrap_or_else(|| panic!("no summary in {errors:#?}"));
    assert!(summary.contains("20 failed TLS handshakes"), "{summary}");
}

/// Fills `cap` slots with kept-alive connections (each answered, so each
/// certainly holds one), floods past them, and checks every extra connection
/// is closed at once and a real client gets through once the holders go.
fn flood_past_the_cap(running: Running, url: &str, cap: usize) {
    let address = authority(url);
    let mut holders: Vec<TcpStream> = (0..cap)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).expect("connects");
            let body = br#"{"hello":"world"}"#;
            write!(
                stream,
                "POST /k8s-audit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .expect("writes");
            stream.write_all(body).expect("writes");
            let head = read_response(&mut stream);
            assert!(head.starts_with("HTTP/1.1 400"), "{head}");
            stream
        })
        .collect();
    // The flood: every one of these is closed, long before the header timeout.
    let flood = 150;
    for _ in 0..flood {
        let mut stream = TcpStream::connect(&address).expect("connects");
        let _ = stream.write_all(b"POST /k8s-audit HTTP/1.1\r\n");
        let answer = read_until_closed(&mut stream);
        assert!(answer.is_empty(), "{:?}", String::from_utf8_lossy(&answer));
    }
    // Letting go of the holders frees the slots; a real client then gets through.
    holders.clear();
    let deadline = Instant::now() + PATIENCE;
    loop {
        match post(url, exec_event("after-flood").as_bytes()) {
            Ok((status, reply)) => {
                assert_eq!(status, StatusCode::OK, "{reply}");
                break;
            }
            Err(e) => assert!(Instant::now() < deadline, "never served again: {e}"),
        }
        // The slots free as the server notices the closes; no timing is
        // assumed, the pause only keeps this loop from spinning.
        std::thread::sleep(Duration::from_millis(10));
    }
    running.wait_for_line(PATIENCE, |line| line.contains("exec by after-flood"));
    let (status, errors) = running.terminate();
    assert!(status.success(), "{errors:#?}");
    let summary = errors
        .iter()
        .find(|line| line.contains("k8s_audit webhook:"))
        .unwrap_or_else(|| panic!("no summary in {errors:#?}"));
    // Every flood connection was refused (retries of the last post may add more).
    let refused: u64 = summary
        .split(" connections over the cap")
        .next()
        .and_then(|before| before.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no refusal count in {summary}"));
    assert!(refused >= flood, "{summary}");
}

#[test]
fn a_connection_flood_past_the_cap_is_closed_at_once_and_service_resumes() {
    let dir = TempDir::new("webhook-flood");
    // A long header timeout: the connections holding the cap stay until we let go.
    let (running, url) = start(
        &dir,
        "k8s_audit",
        K8S_RULES,
        "webhook:\n  header_timeout_ms: 600000\n  max_connections: 4\n",
    );
    flood_past_the_cap(running, &url, 4);
}

#[test]
fn the_connection_cap_stays_below_the_descriptor_limit() {
    let dir = TempDir::new("webhook-nofile");
    let descriptors = 96;
    // Asked for far more connections than the process may open descriptors.
    let (running, url) = start_with(
        &dir,
        "k8s_audit",
        K8S_RULES,
        "webhook:\n  header_timeout_ms: 600000\n  max_connections: 100000\n",
        |command| {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe and touches no memory
            // of the parent; it only lowers the child's own limit.
            unsafe {
                command.pre_exec(move || {
                    let limit = libc::rlimit {
                        rlim_cur: descriptors,
                        rlim_max: descriptors,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
        },
    );
    // Half the limit; the flood then hits the cap, not the descriptor limit.
    flood_past_the_cap(running, &url, (descriptors / 2) as usize);
}

#[test]
fn a_body_of_a_million_bad_elements_gets_a_small_summarised_reply() {
    let dir = TempDir::new("webhook-amplify");
    // A deadline far above what splitting a megabyte takes on any machine: the
    // test is about the reply, not the plugin's speed.
    let (running, url) = start(
        &dir,
        "k8s_audit",
        K8S_RULES,
        "plugin_limits:\n  call_timeout_ms: 60000\n",
    );
    let elements = 500_000;
    let body = format!("[{}]", vec!["1"; elements].join(","));
    assert!(body.len() >= 1_000_000);
    let (status, reply) = post(&url, body.as_bytes()).expect("answered");
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert!(reply.len() <= 8 << 10, "a {}-byte reply", reply.len());
    let reply: serde_json::Value = serde_json::from_str(&reply).expect("a JSON reply");
    let message = reply["message"].as_str().expect("a message");
    assert!(message.contains("no audit event"), "{message}");
    assert!(message.contains("more)"), "{message}");
    // Still serving.
    let (status, _) = post(&url, exec_event("after").as_bytes()).expect("answered");
    assert_eq!(status, StatusCode::OK);
    running.wait_for_line(PATIENCE, |line| line.contains("exec by after"));
}

fn hostile_config(extra: &str) -> String {
    format!(
        "plugins:\n  - name: hostile\n    library_path: {}\n    open_params: \"http://127.0.0.1:0/hostile\"\n{extra}",
        plugin_wasm("lanner-plugin-hostile").display()
    )
}

#[test]
fn poison_bodies_do_not_stall_the_clients_behind_them() {
    let dir = TempDir::new("webhook-poison");
    let config = hostile_config("");
    let (running, url) = start(&dir, "hostile", HOSTILE_RULES, &config);
    // Enough faults in a row to push a restart backoff past any verdict timeout.
    for n in 0..14 {
        let (status, reply) = post(&url, br#"["trap"]"#).expect("answered");
        assert_eq!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "trap {n}: {reply}"
        );
    }
    let (status, reply) = post(&url, br#"["hello after the traps"]"#).expect("answered");
    assert_eq!(status, StatusCode::OK, "{reply}");
    running.wait_for_line(PATIENCE, |line| line.contains("said hello after the traps"));
}

#[test]
fn a_request_answered_503_is_never_ingested_later() {
    let dir = TempDir::new("webhook-abandon");
    let config = hostile_config(
        "plugin_limits:\n  call_timeout_ms: 5000\nwebhook:\n  verdict_timeout_ms: 300\n",
    );
    let (running, url) = start(&dir, "hostile", HOSTILE_RULES, &config);
    // Occupies the worker for the whole call deadline (sent again if the
    // worker, descheduled, did not take it within the verdict timeout).
    let busy = {
        let url = url.clone();
        std::thread::spawn(move || {
            loop {
                let (status, reply) = post(&url, br#"["loop"]"#).expect("answered");
                if status != StatusCode::SERVICE_UNAVAILABLE {
                    return (status, reply);
                }
            }
        })
    };
    let mut abandoned = Vec::new();
    let mut ingested = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while abandoned.is_empty() {
        assert!(
            Instant::now() < deadline && !busy.is_finished(),
            "no request was left waiting behind the busy worker"
        );
        let text = format!("hello late {}", abandoned.len() + ingested.len());
        let (status, reply) = post(&url, format!("[\"{text}\"]").as_bytes()).expect("answered");
        match status {
            StatusCode::OK => ingested.push(text),
            StatusCode::SERVICE_UNAVAILABLE => abandoned.push(text),
            other => panic!("{other}: {reply}"),
        }
    }
    let (status, reply) = busy.join().expect("the busy client");
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{reply}");
    let (status, reply) = post(&url, br#"["hello last"]"#).expect("answered");
    assert_eq!(status, StatusCode::OK, "{reply}");
    // The worker is first in, first out: once `last` is out, nothing older can come.
    let lines = running.lines_until(PATIENCE, |line| line.contains("said hello last"));
    for text in &abandoned {
        assert!(
            !lines
                .iter()
                .any(|line| line.contains(&format!("said {text}\""))),
            "`{text}` was answered 503 yet ingested: {lines:#?}"
        );
    }
    for text in &ingested {
        assert!(
            lines
                .iter()
                .any(|line| line.contains(&format!("said {text}\""))),
            "`{text}` was answered 200 but not ingested: {lines:#?}"
        );
    }
}

/// Runs `lanner run --source k8s_audit` with `args` and `config` until it
/// says it listens or refuses; returns that line and the child.
fn listen_or_refuse(
    dir: &TempDir,
    args: &[&str],
    config: &str,
) -> (String, std::process::Child, mpsc::Receiver<String>) {
    let rules = dir.write("rules.yaml", K8S_RULES);
    let config = dir.write("lanner.yaml", config);
    let mut child = lanner()
        .args(["run", "--source", "k8s_audit", "-r"])
        .arg(&rules)
        .arg("-c")
        .arg(&config)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lanner starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line.contains("listening on") || line.contains("refusing") => {
                return (line, child, lines);
            }
            Ok(line) => seen.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("lanner neither listened nor refused; stderr: {seen:#?}")
            }
        }
    }
}

fn stop(mut child: std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn by_default_the_webhook_listens_on_loopback_only() {
    let dir = TempDir::new("webhook-default");
    // Falco's own open parameters: no host.
    let (line, child, _) = listen_or_refuse(
        &dir,
        &[],
        "plugins:\n  - name: k8saudit\n    library_path: libk8saudit.so\n    open_params: \"http://:0/k8s-audit\"\n",
    );
    stop(child);
    assert!(line.contains("listening on http://127.0.0.1:"), "{line}");
    // No open parameters at all: the documented default address.
    let (line, child, _) = listen_or_refuse(&dir, &[], "");
    stop(child);
    assert!(
        line.ends_with("listening on http://127.0.0.1:9765/k8s-audit"),
        "{line}"
    );
}

#[test]
fn beyond_loopback_without_tls_and_a_token_needs_an_explicit_opt_in() {
    let dir = TempDir::new("webhook-exposed");
    let everywhere = ["--webhook-listen", "0.0.0.0:0"];

    let (line, child, _) = listen_or_refuse(&dir, &everywhere, "");
    let status = {
        let mut child = child;
        child.wait().expect("lanner exits")
    };
    assert!(!status.success());
    assert!(line.contains("refusing to serve"), "{line}");
    assert!(
        line.contains("without TLS and without a bearer token"),
        "{line}"
    );
    assert!(line.contains("allow_insecure"), "{line}");

    // A token alone is not enough: it travels in clear text.
    let token = owner_only(dir.write("token", "s3cret\n"));
    let (line, child, _) = listen_or_refuse(
        &dir,
        &everywhere,
        &format!("webhook:\n  bearer_token_file: {}\n", token.display()),
    );
    stop(child);
    assert!(
        line.contains("refusing to serve") && line.contains("without TLS"),
        "{line}"
    );

    // The opt-in starts it, and says what it exposes.
    let (line, child, lines) =
        listen_or_refuse(&dir, &everywhere, "webhook:\n  allow_insecure: true\n");
    assert!(line.contains("listening on http://0.0.0.0:"), "{line}");
    let warning = lines.recv_timeout(PATIENCE).expect("a warning line");
    stop(child);
    assert!(
        warning.contains("warning") && warning.contains("forge audit events"),
        "{warning}"
    );

    // TLS and a token: served without complaint.
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("a self-signed certificate");
    let pem = dir.write(
        "falco.pem",
        &format!(
            "{}{}",
            certified.cert.pem(),
            certified.signing_key.serialize_pem()
        ),
    );
    let (line, child, _) = listen_or_refuse(
        &dir,
        &everywhere,
        &format!(
            "webhook:\n  tls_certificate: {}\n  bearer_token_file: {}\nplugins:\n  - name: k8saudit\n    library_path: libk8saudit.so\n    open_params: \"https://:9765/k8s-audit\"\n",
            pem.display(),
            token.display()
        ),
    );
    stop(child);
    assert!(line.contains("listening on https://0.0.0.0:"), "{line}");
}

/// `file` with mode 0600, as a bearer token file must be.
fn owner_only(file: std::path::PathBuf) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
        .expect("the file can be made owner-only");
    file
}

#[test]
fn a_token_file_others_can_read_is_refused() {
    let dir = TempDir::new("webhook-token-mode");
    let token = dir.write("token", "s3cret\n");
    let config = dir.write(
        "lanner.yaml",
        &format!("webhook:\n  bearer_token_file: {}\n", token.display()),
    );
    let rules = dir.write("rules.yaml", K8S_RULES);
    let run = || {
        let mut command = lanner();
        command
            .args([
                "run",
                "--source",
                "k8s_audit",
                "--webhook-listen",
                "127.0.0.1:0",
            ])
            .arg("-r")
            .arg(&rules)
            .arg("-c")
            .arg(&config);
        command
    };
    for (mode, who) in [(0o644, "other users"), (0o640, "its group")] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = run().stdin(Stdio::null()).output().expect("lanner runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(
            stderr.contains("refusing the webhook token file")
                && stderr.contains(who)
                && stderr.contains("chmod 600"),
            "{stderr}"
        );
    }
    // Owner-only: served, and the token is required.
    owner_only(token);
    let (running, url) = start(
        &dir,
        "k8s_audit",
        K8S_RULES,
        &std::fs::read_to_string(&config).unwrap(),
    );
    let (status, reply) = post(&url, exec_event("no-token").as_bytes()).expect("answered");
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{reply}");
    drop(running);
}

/// CPU time (clock ticks) the thread named `name` of process `pid` has used.
fn thread_cpu(pid: u32, name: &str) -> u64 {
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("lanner's threads") {
        let task = task.expect("a thread").path();
        let comm = std::fs::read_to_string(task.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let stat = std::fs::read_to_string(task.join("stat")).expect("the thread's stat");
        // Fields after the `(comm)`: state is the 3rd field, utime the 14th, stime the 15th.
        let rest = &stat[stat.rfind(')').expect("a comm") + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields[i - 3].parse::<u64>().expect("a number");
        return ticks(14) + ticks(15);
    }
    panic!("no thread {name} in lanner {pid}");
}

/// The depth of the webhook's queue (`QUEUE_DEPTH` in the source).
const QUEUE_DEPTH: usize = 64;

/// Opens a connection and sends a whole request with `body` to `url`,
/// leaving the connection open for its reply.
fn send_raw(url: &str, body: &str) -> TcpStream {
    let address = authority(url);
    let path = &url[url.find(&address).expect("an authority") + address.len()..];
    let mut stream = TcpStream::connect(&address).expect("connects");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("writes");
    stream
}

#[test]
fn a_request_whose_client_hangs_up_is_never_ingested() {
    let dir = TempDir::new("webhook-hangup");
    // The busy call only has to outlast the few steps between seeing it run
    // and hanging up; its deadline is a bound that fires on failure only.
    let config = hostile_config(
        "plugin_limits:\n  call_timeout_ms: 30000\nwebhook:\n  verdict_timeout_ms: 120000\n",
    );
    // An attempt proves nothing if the request that hangs up was the one
    // the full queue turned away; then try again.
    for attempt in 1..=5 {
        let (running, url) = start(&dir, "hostile", HOSTILE_RULES, &config);
        let idle_cpu = thread_cpu(running.pid(), "source-hostile");
        let busy = {
            let url = url.clone();
            std::thread::spawn(move || post(&url, br#"["loop"]"#).expect("answered"))
        };
        // The worker spins in the plugin: it has taken the busy request, so
        // what comes next waits in the queue.
        let deadline = Instant::now() + PATIENCE;
        while thread_cpu(running.pid(), "source-hostile") < idle_cpu + 10 {
            assert!(Instant::now() < deadline, "the worker never ran the loop");
            std::thread::sleep(Duration::from_millis(10));
        }
        // One more request than the queue holds: exactly one is turned
        // away at once, and then every other one is certainly queued.
        let gone = 0;
        let mut streams: Vec<TcpStream> = (0..=QUEUE_DEPTH)
            .map(|n| {
                let text = if n == gone { "hello gone" } else { "filler" };
                send_raw(&url, &format!("[\"{text}\"]"))
            })
            .collect();
        for stream in &streams {
            stream.set_nonblocking(true).expect("nonblocking");
        }
        let turned_away = loop {
            assert!(Instant::now() < deadline, "the queue never filled");
            let mut byte = [0u8; 1];
            let answered = streams.iter().position(|s| match s.peek(&mut byte) {
                Ok(_) => true,
                Err(e) => e.kind() != ErrorKind::WouldBlock,
            });
            if let Some(n) = answered {
                break n;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        streams[turned_away]
            .set_nonblocking(false)
            .expect("blocking");
        let head = read_response(&mut streams[turned_away]);
        assert!(head.starts_with("HTTP/1.1 503"), "{head}");
        if turned_away == gone {
            eprintln!("attempt {attempt}: the request to hang up was turned away; again");
            drop(running);
            let _ = busy.join();
            continue;
        }
        // Hang up without waiting for the verdict.
        drop(streams.remove(gone));
        let (status, reply) = busy.join().expect("the busy client");
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{reply}");
        // The fillers' replies (read so the server is done with them).
        for (n, stream) in streams.iter_mut().enumerate() {
            if n + 1 != turned_away {
                stream.set_nonblocking(false).expect("blocking");
                let head = read_response(stream);
                assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            }
        }
        let (status, reply) = post(&url, br#"["hello last"]"#).expect("answered");
        assert_eq!(status, StatusCode::OK, "{reply}");
        let lines = running.lines_until(PATIENCE, |line| line.contains("said hello last"));
        assert!(
            !lines.iter().any(|line| line.contains("said hello gone")),
            "a request whose client hung up was ingested: {lines:#?}"
        );
        let (status, errors) = running.terminate();
        assert!(status.success(), "{errors:#?}");
        let summary = errors
            .iter()
            .find(|line| line.contains("hostile webhook:"))
            .unwrap_or_else(|| panic!("no summary in {errors:#?}"));
        assert!(summary.contains("; 1 given up while queued"), "{summary}");
        return;
    }
    panic!("the request to hang up was turned away in 5 attempts");
}
