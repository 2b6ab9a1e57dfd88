//! What the live stream adds beyond the probe, fed as records: both ends of
//! sockets from the kernel's tables, and containers described by their runtime.

use super::*;
use crate::state::{ContainerInfo, Endpoint, L4Proto, Mount, Runtime};
use std::collections::BTreeMap;

fn endpoint(text: &str) -> Endpoint {
    let address: std::net::SocketAddr = text.parse().unwrap();
    Endpoint {
        ip: address.ip(),
        port: address.port(),
    }
}

fn socket_record(pid: u32, fd: i64, local: &str, remote: Option<&str>) -> CaptureRecord {
    CaptureRecord::Socket {
        pid,
        fd,
        l4proto: Some(L4Proto::Tcp),
        local: endpoint(local),
        remote: remote.map(endpoint),
    }
}

const CONNECT_FIELDS: &[&str] = &[
    "fd.name",
    "fd.lip",
    "fd.lport",
    "fd.rip",
    "fd.rport",
    "fd.cip",
    "fd.cport",
    "fd.sip",
    "fd.sport",
    "fd.is_server",
    "fd.connected",
    "fd.name_changed",
];

#[test]
fn a_connect_reports_the_local_end_the_kernel_chose() {
    let mut s = login_tree();
    let socket = s.syscall(200, nr("socket"), 3, &[2, 1, 0], &[]);
    s.feed(socket);
    s.feed(socket_record(
        200,
        3,
        "10.0.0.5:40000",
        Some("198.51.100.7:443"),
    ));
    let addr = sockaddr_v4([198, 51, 100, 7], 443);
    let connect = s.syscall(200, nr("connect"), 0, &[3], &[(1, &addr)]);
    assert_eq!(
        s.eval(connect, CONNECT_FIELDS),
        some(&[
            "10.0.0.5:40000->198.51.100.7:443",
            "10.0.0.5",
            "40000",
            "198.51.100.7",
            "443",
            "10.0.0.5",
            "40000",
            "198.51.100.7",
            "443",
            "false",
            "true",
            "true",
        ])
    );
    // Later events on the socket keep both ends.
    let write = s.syscall(200, nr("write"), 5, &[3], &[(1, b"hello")]);
    assert_eq!(
        s.eval(write, &["fd.name", "fd.cport", "fd.name_changed"]),
        some(&["10.0.0.5:40000->198.51.100.7:443", "40000", "false"])
    );
}

#[test]
fn a_socket_record_applies_only_to_the_event_right_after_it() {
    let mut s = login_tree();
    for fd in [3, 4] {
        let socket = s.syscall(200, nr("socket"), fd, &[2, 1, 0], &[]);
        s.feed(socket);
    }
    let addr = sockaddr_v4([198, 51, 100, 7], 443);
    // Another descriptor's ends.
    s.feed(socket_record(
        200,
        9,
        "10.0.0.5:40000",
        Some("198.51.100.7:443"),
    ));
    let connect = s.syscall(200, nr("connect"), 0, &[3], &[(1, &addr)]);
    assert_eq!(
        s.eval(connect, &["fd.name", "fd.lport"]),
        some(&["0.0.0.0:0->198.51.100.7:443", "-"])
    );
    // Another process's.
    s.feed(socket_record(
        100,
        4,
        "10.0.0.5:40001",
        Some("198.51.100.7:443"),
    ));
    let connect = s.syscall(200, nr("connect"), 0, &[4], &[(1, &addr)]);
    assert_eq!(s.eval(connect, &["fd.lport"]), some(&["-"]));
    // Separated from its event by another one: stale, dropped.
    let socket = s.syscall(200, nr("socket"), 5, &[2, 1, 0], &[]);
    s.feed(socket);
    s.feed(socket_record(
        200,
        5,
        "10.0.0.5:40002",
        Some("198.51.100.7:443"),
    ));
    let getpid = s.syscall(200, nr("getpid"), 200, &[], &[]);
    s.feed(getpid);
    let connect = s.syscall(200, nr("connect"), 0, &[5], &[(1, &addr)]);
    assert_eq!(s.eval(connect, &["fd.lport"]), some(&["-"]));
    // A failed connect has no ends to take.
    let socket = s.syscall(200, nr("socket"), 6, &[2, 1, 0], &[]);
    s.feed(socket);
    s.feed(socket_record(
        200,
        6,
        "10.0.0.5:40003",
        Some("198.51.100.7:443"),
    ));
    let refused = s.syscall(200, nr("connect"), -111, &[6], &[(1, &addr)]);
    assert_eq!(s.eval(refused, &["fd.lport", "fd.name"]), some(&["-", "-"]));
}

#[test]
fn an_accept_without_an_address_buffer_learns_its_peer() {
    let mut s = login_tree();
    for record in [
        s.syscall(200, nr("socket"), 3, &[2, 1, 0], &[]),
        s.syscall(
            200,
            nr("bind"),
            0,
            &[3],
            &[(1, &sockaddr_v4([0, 0, 0, 0], 8080))],
        ),
        socket_record(200, 3, "0.0.0.0:8080", None),
        s.syscall(200, nr("listen"), 0, &[3, 10], &[]),
    ] {
        s.feed(record);
    }
    s.feed(socket_record(
        200,
        5,
        "10.0.0.5:8080",
        Some("10.0.0.9:5555"),
    ));
    let accept = s.syscall(200, nr("accept4"), 5, &[3, 0, 0, 0], &[]);
    assert_eq!(
        s.eval(accept, CONNECT_FIELDS),
        some(&[
            "10.0.0.9:5555->10.0.0.5:8080",
            "10.0.0.5",
            "8080",
            "10.0.0.9",
            "5555",
            "10.0.0.9",
            "5555",
            "10.0.0.5",
            "8080",
            "true",
            "true",
            "true",
        ])
    );
    // Without the kernel's view the peer stays unknown, as before.
    let accept = s.syscall(200, nr("accept"), 6, &[3, 0, 0], &[]);
    assert_eq!(
        s.eval(accept, &["fd.cip", "fd.sport", "fd.name"]),
        some(&["-", "8080", "0.0.0.0:8080"])
    );
}

#[test]
fn a_bind_to_port_zero_gets_the_port_the_kernel_picked() {
    let mut s = login_tree();
    let socket = s.syscall(200, nr("socket"), 3, &[2, 2, 0], &[]);
    s.feed(socket);
    s.feed(CaptureRecord::Socket {
        pid: 200,
        fd: 3,
        l4proto: Some(L4Proto::Udp),
        local: endpoint("0.0.0.0:43210"),
        remote: None,
    });
    let bind = s.syscall(
        200,
        nr("bind"),
        0,
        &[3],
        &[(1, &sockaddr_v4([0, 0, 0, 0], 0))],
    );
    assert_eq!(
        s.eval(bind, &["fd.name", "fd.lport", "fd.l4proto", "fd.is_server"]),
        some(&["0.0.0.0:43210", "43210", "udp", "true"])
    );
}

#[test]
fn a_socket_the_tables_missed_is_created_from_the_kernels_view() {
    let mut s = login_tree();
    let mut v6 = vec![10, 0, 1, 187, 0, 0, 0, 0];
    v6.extend_from_slice(
        &"2001:db8::7"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    s.feed(socket_record(
        200,
        7,
        "[2001:db8::5]:40000",
        Some("[2001:db8::7]:443"),
    ));
    let connect = s.syscall(200, nr("connect"), -115, &[7], &[(1, &v6)]);
    assert_eq!(
        s.eval(
            connect,
            &["fd.typechar", "fd.l4proto", "fd.name", "fd.connected"]
        ),
        some(&["6", "tcp", "2001:db8::5:40000->2001:db8::7:443", "false"])
    );
}

fn docker_info() -> ContainerInfo {
    let mut info = ContainerInfo {
        id: DOCKER_ID[..12].to_string(),
        runtime: Some(Runtime::Docker),
        name: Some("web".into()),
        image_id: Some("a8758716bb6a".into()),
        privileged: Some(true),
        mounts: vec![
            Mount {
                source: "/proc".into(),
                dest: "/host/proc".into(),
                mode: "ro".into(),
                rw: false,
                propagation: "rprivate".into(),
            },
            Mount {
                source: "/var/run/docker.sock".into(),
                dest: "/var/run/docker.sock".into(),
                mode: String::new(),
                rw: true,
                propagation: "rprivate".into(),
            },
        ],
        start_ts: Some(1_000_000_000),
        host_network: Some(true),
        labels: BTreeMap::from([
            ("app".to_string(), "shop".to_string()),
            ("io.kubernetes.pod.name".to_string(), "shop-0".to_string()),
            (
                "io.kubernetes.pod.namespace".to_string(),
                "prod".to_string(),
            ),
        ]),
        sandbox_id: Some("5e6f7a8b9c0d1e2f5e6f".into()),
        ..ContainerInfo::default()
    };
    info.set_image("registry:5000/shop/web:1.25");
    info.pod_from_labels();
    info
}

/// A stream with a process in a Docker container (pid 10, capabilities of
/// an ordinary container) and one on the host (pid 30).
fn containers() -> Stream {
    let mut s = Stream::new();
    s.feed(CaptureRecord::Cgroup {
        id: 7,
        path: format!("/system.slice/docker-{DOCKER_ID}.scope"),
    });
    let mut info = process(10, 1, "sh", &["sh"], "/bin/sh");
    info.container = crate::state::container_of(&format!("/docker/{DOCKER_ID}"));
    info.cap_bounding = Some(0xa80425fb);
    s.seed(info);
    s.seed(process(30, 1, "sh", &["sh"], "/bin/sh"));
    s
}

const CONTAINER_FIELDS: &[&str] = &[
    "container.name",
    "container.image",
    "container.image.repository",
    "container.image.tag",
    "container.image.id",
    "container.image.digest",
    "container.type",
    "container.privileged",
    "k8s.pod.name",
    "k8s.ns.name",
];

#[test]
fn containers_described_by_their_runtime() {
    let mut s = containers();
    let before = s.syscall(10, nr("getpid"), 10, &[], &[]);
    assert_eq!(
        s.eval(before, CONTAINER_FIELDS),
        some(&["-", "-", "-", "-", "-", "-", "docker", "false", "-", "-"]),
        "without a record only the cgroup and the capability heuristic speak"
    );
    s.feed(CaptureRecord::ContainerInfo(docker_info()));
    let after = s.syscall(10, nr("getpid"), 10, &[], &[]);
    assert_eq!(
        s.eval(after, CONTAINER_FIELDS),
        some(&[
            "web",
            "registry:5000/shop/web:1.25",
            "registry:5000/shop/web",
            "1.25",
            "a8758716bb6a",
            "-",
            "docker",
            "true",
            "shop-0",
            "prod",
        ])
    );
    let event = s.syscall(10, nr("getpid"), 10, &[], &[]);
    assert_eq!(
        s.eval(
            event,
            &[
                "container.mounts",
                "container.mount.dest[/proc*]",
                "container.mount.dest[/var/run/docker.sock]",
                "container.mount.dest[/etc*]",
                "container.mount.source[/host/*]",
                "container.mount[1]",
                "container.mount.rdwr[/proc]",
                "container.mount.mode[/proc]",
                "container.mount.propagation[0]",
                "container.start_ts",
                "container.duration",
                "container.host_network",
                "container.host_pid",
                "container.label[app]",
                "container.labels",
                "k8s.pod.sandbox_id",
            ]
        ),
        some(&[
            "/proc:/host/proc:ro:false:rprivate,/var/run/docker.sock:/var/run/docker.sock::true:rprivate",
            "/host/proc",
            "/var/run/docker.sock",
            "-",
            "/proc",
            "/var/run/docker.sock:/var/run/docker.sock::true:rprivate",
            "false",
            "ro",
            "rprivate",
            "1000000000",
            // The stream's clock started at 1 s and has ticked thrice.
            "3000",
            "true",
            "-",
            "shop",
            "app:shop,io.kubernetes.pod.name:shop-0,io.kubernetes.pod.namespace:prod",
            "5e6f7a8b9c0d",
        ])
    );
    // The host has a name and nothing a runtime would say.
    let host = s.syscall(30, nr("getpid"), 30, &[], &[]);
    assert_eq!(
        s.eval(host, CONTAINER_FIELDS),
        some(&["host", "-", "-", "-", "-", "-", "host", "-", "-", "-"])
    );
}

#[test]
fn the_runtime_that_described_a_container_names_its_type() {
    let mut s = containers();
    let info = ContainerInfo {
        id: DOCKER_ID[..12].to_string(),
        runtime: Some(Runtime::CriO),
        ..ContainerInfo::default()
    };
    s.feed(CaptureRecord::ContainerInfo(info));
    let event = s.syscall(10, nr("getpid"), 10, &[], &[]);
    assert_eq!(
        s.eval(
            event,
            &["container.type", "container.privileged", "container.mounts"]
        ),
        // Privileges not recorded: the heuristic decides.
        some(&["cri-o", "false", ""])
    );
}

#[test]
fn enrichment_records_survive_a_capture_round_trip() {
    let records = [
        socket_record(200, 3, "10.0.0.5:40000", Some("198.51.100.7:443")),
        socket_record(200, 4, "[::1]:8080", None),
        CaptureRecord::ContainerInfo(docker_info()),
    ];
    for record in records {
        let line = serde_json::to_string(&record).unwrap();
        let back: CaptureRecord = serde_json::from_str(&line).unwrap();
        assert_eq!(back, record, "{line}");
    }
    // Optional parts may be left out, as older or hand-written captures do.
    let minimal: CaptureRecord =
        serde_json::from_str(r#"{"ContainerInfo": {"id": "abc"}}"#).unwrap();
    assert_eq!(
        minimal,
        CaptureRecord::ContainerInfo(ContainerInfo {
            id: "abc".into(),
            ..ContainerInfo::default()
        })
    );
    let socket: CaptureRecord = serde_json::from_str(
        r#"{"Socket": {"pid": 1, "fd": 3, "local": {"ip": "10.0.0.1", "port": 5}}}"#,
    )
    .unwrap();
    assert!(matches!(
        socket,
        CaptureRecord::Socket {
            remote: None,
            l4proto: None,
            ..
        }
    ));
}
