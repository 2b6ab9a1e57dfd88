//! The k8s_audit webhook as kube-apiserver (and a misbehaving client) sees
//! it: a real HTTP(S) client posting to the running binary. Every bad
//! request gets its documented status and is counted; valid events in the
//! same stream are still processed; TLS and the bearer token work.

use lanner_tests::{Running, TempDir, lanner};
use std::{sync::Arc, time::Duration};
use ureq::{Agent, http::StatusCode};

const RULES: &str = r#"
- rule: Pod exec
  desc: someone execs into a pod
  condition: ka.target.resource = pods and ka.target.subresource = exec and ka.verb = create
  output: "exec into %ka.target.namespace/%ka.target.name by %ka.user.name"
  priority: NOTICE
  source: k8s_audit
"#;

fn exec_event(user: &str) -> String {
    serde_json::json!({
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Request",
        "auditID": format!("0f6a1d0e-{user}"),
        "stage": "ResponseStarted",
        "requestURI": "/api/v1/namespaces/shop/pods/cart-7/exec?command=sh",
        "verb": "create",
        "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["10.2.0.9"],
        "objectRef": {"resource": "pods", "namespace": "shop", "name": "cart-7", "subresource": "exec", "apiVersion": "v1"},
        "responseStatus": {"code": 101},
        "requestReceivedTimestamp": "2026-11-28T09:00:00.000000Z",
        "stageTimestamp": "2026-11-28T09:00:00.250000Z"
    })
    .to_string()
}

/// A running `lanner` serving the webhook, and its endpoint URL.
struct Webhook {
    running: Running,
    url: String,
    _dir: TempDir,
}

fn start(config: &str) -> Webhook {
    let dir = TempDir::new("webhook");
    let rules = dir.write("rules.yaml", RULES);
    let config = dir.write("lanner.yaml", config);
    let mut command = lanner();
    command
        .args([
            "run",
            "--source",
            "k8s_audit",
            "--webhook-listen",
            "127.0.0.1:0",
            "--json",
            "-r",
        ])
        .arg(&rules)
        .arg("-c")
        .arg(&config);
    let running = Running::spawn(command, "webhook listening on");
    let url = running.ready_url();
    Webhook {
        running,
        url,
        _dir: dir,
    }
}

fn agent() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn post(agent: &Agent, url: &str, content_type: &str, body: &[u8]) -> (StatusCode, String) {
    let mut response = agent
        .post(url)
        .header("Content-Type", content_type)
        .send(body)
        .expect("the request completes");
    let status = response.status();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, text)
}

fn expect_exec_alert(webhook: &Webhook, user: &str) {
    let line = webhook
        .running
        .wait_for_line(Duration::from_secs(20), |line| {
            line.contains("\"Pod exec\"")
        });
    let alert: serde_json::Value = serde_json::from_str(&line).expect("a JSON alert");
    // Falco's JSON `output` carries the time and priority in front of the message.
    assert_eq!(
        alert["output"],
        format!("09:00:00.250000000: Notice exec into shop/cart-7 by {user}")
    );
    assert_eq!(alert["source"], "k8s_audit");
}

#[test]
fn every_bad_request_gets_its_status_and_is_counted_and_good_events_still_flow() {
    let webhook = start("webhook:\n  max_body_bytes: 4096\n");
    let agent = agent();
    let url = webhook.url.clone();
    let json = "application/json";

    let wrong_path = url.replace("/k8s-audit", "/elsewhere");
    let (status, _) = post(&agent, &wrong_path, json, exec_event("a").as_bytes());
    assert_eq!(status, StatusCode::NOT_FOUND);

    let response = agent.get(&url).call().expect("GET completes");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");

    let (status, _) = post(&agent, &url, "text/plain", exec_event("a").as_bytes());
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let oversize = format!("[{}]", vec![exec_event("big"); 20].join(","));
    assert!(oversize.len() > 4096);
    let (status, _) = post(&agent, &url, json, oversize.as_bytes());
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let (status, body) = post(&agent, &url, json, br#"{"kind":"Event","#);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("malformed JSON"), "{body}");

    let (status, body) = post(&agent, &url, json, br#"{"hello":"world"}"#);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("no audit event"), "{body}");

    // A valid list holding one good event and one without its timestamp:
    // the good one is processed, the bad one is reported.
    let mut broken: serde_json::Value = serde_json::from_str(&exec_event("x")).unwrap();
    broken.as_object_mut().unwrap().remove("stageTimestamp");
    let list = format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{},{broken}]}}"#,
        exec_event("mallory")
    );
    let (status, body) = post(
        &agent,
        &url,
        "application/json; charset=utf-8",
        list.as_bytes(),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let reply: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reply["events"], 1);
    assert_eq!(reply["rejected"].as_array().map(Vec::len), Some(1));
    expect_exec_alert(&webhook, "mallory");

    let (status, errors) = webhook.running.terminate();
    assert!(
        status.success(),
        "lanner exits cleanly on SIGTERM: {status:?}\n{errors:?}"
    );
    let summary = errors
        .iter()
        .find(|line| line.contains("k8s_audit webhook:"))
        .unwrap_or_else(|| panic!("no summary line in {errors:#?}"));
    for counted in [
        "1 accepted (1 events)",
        "1 malformed JSON",
        "1 without events",
        "1 too large",
        "1 wrong content type",
        "1 wrong method",
        "0 unauthorized",
        "1 wrong path",
        "0 plugin faults",
    ] {
        assert!(
            summary.contains(counted),
            "`{counted}` missing from: {summary}"
        );
    }
}

#[test]
fn a_bearer_token_is_required_when_configured() {
    let dir = TempDir::new("webhook-token");
    let token = dir.write("token", "s3cret-token\n");
    // A token file others can read is refused (webhook_attacks.rs tests that).
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("the token file can be made owner-only");
    let webhook = start(&format!(
        "webhook:\n  bearer_token_file: {}\n",
        token.display()
    ));
    let agent = agent();
    let event = exec_event("tok");

    let (status, _) = post(&agent, &webhook.url, "application/json", event.as_bytes());
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let response = agent
        .post(&webhook.url)
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer wrong-token!")
        .send(event.as_bytes())
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    // Its body was never read, so the connection is not offered for reuse.
    assert_eq!(response.headers()["connection"], "close");

    let response = agent
        .post(&webhook.url)
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer s3cret-token")
        .send(event.as_bytes())
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    expect_exec_alert(&webhook, "tok");

    let (status, errors) = webhook.running.terminate();
    assert!(status.success());
    assert!(
        errors
            .iter()
            .any(|l| l.contains("1 accepted") && l.contains("2 unauthorized")),
        "{errors:#?}"
    );
}

#[test]
fn https_with_a_falco_style_certificate_file() {
    let dir = TempDir::new("webhook-tls");
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("a self-signed certificate");
    // Falco's k8saudit keeps certificate and key in one file (`sslCertificate`).
    let pem = format!(
        "{}{}",
        certified.cert.pem(),
        certified.signing_key.serialize_pem()
    );
    let pem_path = dir.write("falco.pem", &pem);
    let webhook = start(&format!(
        "plugins:\n  - name: k8saudit\n    library_path: libk8saudit.so\n    init_config:\n      sslCertificate: {}\n    open_params: \"https://:9765/k8s-audit\"\n",
        pem_path.display()
    ));
    assert!(
        webhook.url.starts_with("https://127.0.0.1:"),
        "{}",
        webhook.url
    );
    let root = ureq::tls::Certificate::from_der(certified.cert.der()).to_owned();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
        .build();
    let tls_agent: Agent = Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls)
        .build()
        .into();
    let (status, body) = post(
        &tls_agent,
        &webhook.url,
        "application/json",
        exec_event("tls").as_bytes(),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    expect_exec_alert(&webhook, "tls");

    // Plain HTTP to the TLS endpoint gets no answer, and does not hurt the server.
    let plain = webhook.url.replacen("https://", "http://", 1);
    assert!(
        agent()
            .post(&plain)
            .header("Content-Type", "application/json")
            .send("{}")
            .is_err()
    );
    let (status, _) = post(
        &tls_agent,
        &webhook.url,
        "application/json",
        exec_event("tls2").as_bytes(),
    );
    assert_eq!(status, StatusCode::OK);
    expect_exec_alert(&webhook, "tls2");
}
