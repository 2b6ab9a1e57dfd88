//! Throughput of the rule engine's per-event path, `Ruleset::process`, over
//! the full stable Falco rule set and a synthetic but realistic syscall stream.
//!
//! Three workloads, each reported in ns/event and events/s on one core:
//!
//! * `mix`: a production-like stream: mostly event types no rule indexes
//!   (read, write, close, mmap, futex, ...), then opens, execs, connects and
//!   sockets with plausible values that make the engine evaluate rules which
//!   mostly do not fire, and a few events that do fire;
//! * `unindexed`: only types no rule indexes (should cost one lookup);
//! * `firing`: only events that match a rule (evaluation plus alert rendering).
//!
//! Extraction is a precomputed table lookup by field id, so what is measured
//! is the engine, not the synthetic source. See `benches/README.md`.

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use lanner::{
    engine::{
        Event, FieldRequest, Ruleset, RulesetOptions, SourceHandle, eval::EventContext,
        loader::RulesSource, output::Alert,
    },
    fields::{FieldId, Registry, Value},
    sources::builtin_registry,
};
use std::{
    borrow::Cow,
    net::IpAddr,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

/// The syscall source's name in the registry.
const SOURCE: &str = "syscall";

/// A synthetic syscall event: field values in a table indexed by field id.
struct SynthEvent {
    /// Index of the event type in the source's table.
    type_index: Option<usize>,
    /// Timestamp.
    ts_ns: u64,
    /// Values of argument-less fields, indexed by `FieldId::field`.
    plain: Vec<Option<Value<'static>>>,
    /// Values of fields with an argument (`proc.aname[2]`, `evt.arg.flags`).
    with_arg: Vec<(u32, String, Value<'static>)>,
    /// The registry's index of the syscall source.
    source: u32,
    /// What the event is, for the setup check.
    label: &'static str,
}

/// A borrowed view of a stored value (no string copies).
fn view<'a>(value: &'a Value<'static>) -> Value<'a> {
    match value {
        Value::Str(s) => Value::Str(Cow::Borrowed(s.as_ref())),
        Value::Bytes(b) => Value::Bytes(Cow::Borrowed(b.as_ref())),
        Value::List(items) => Value::List(items.iter().map(view).collect()),
        Value::Int(v) => Value::Int(*v),
        Value::UInt(v) => Value::UInt(*v),
        Value::Bool(v) => Value::Bool(*v),
        Value::Ip(v) => Value::Ip(*v),
        Value::Net(v) => Value::Net(*v),
        Value::RelTime(v) => Value::RelTime(*v),
        Value::AbsTime(v) => Value::AbsTime(*v),
    }
}

impl Event for SynthEvent {
    fn event_type_index(&self) -> Option<usize> {
        self.type_index
    }

    fn timestamp_ns(&self) -> u64 {
        self.ts_ns
    }

    fn extract(&self, request: &FieldRequest<'_>) -> Option<Value<'_>> {
        if request.id.source != self.source {
            return None;
        }
        match request.arg {
            None => self
                .plain
                .get(request.id.field as usize)?
                .as_ref()
                .map(view),
            Some(arg) => self
                .with_arg
                .iter()
                .find(|(field, key, _)| *field == request.id.field && key == arg)
                .map(|(_, _, value)| view(value)),
        }
    }
}

fn s(text: &str) -> Value<'static> {
    Value::Str(Cow::Owned(text.to_string()))
}

fn list(items: &[&str]) -> Value<'static> {
    Value::List(items.iter().map(|item| s(item)).collect())
}

/// Builds events by field name against the registry.
struct Builder<'r> {
    registry: &'r Registry,
    types: &'r [String],
    source: u32,
    fields: usize,
    ts_ns: u64,
}

impl Builder<'_> {
    fn event(
        &mut self,
        label: &'static str,
        evt_type: &str,
        values: &[(&str, Value<'static>)],
    ) -> SynthEvent {
        let mut plain = vec![None; self.fields];
        let mut with_arg = Vec::new();
        let mut all: Vec<(&str, Value<'static>)> = vec![("evt.type", s(evt_type))];
        all.extend(values.iter().cloned());
        for (name, value) in all {
            let resolved = self
                .registry
                .resolve_str(SOURCE, name)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let FieldId { source, field } = resolved.id;
            assert_eq!(source, self.source, "{name} is not a syscall field");
            match resolved.arg {
                None => plain[field as usize] = Some(value),
                Some(arg) => with_arg.push((field, arg.to_string(), value)),
            }
        }
        self.ts_ns += 1_000;
        SynthEvent {
            type_index: self.types.iter().position(|t| t == evt_type),
            ts_ns: self.ts_ns,
            plain,
            with_arg,
            source: self.source,
            label,
        }
    }
}

/// The fields every event of a process carries.
fn process(
    name: &str,
    exe: &str,
    cmdline: &str,
    parent: &str,
    user: &str,
    container: &str,
) -> Vec<(&'static str, Value<'static>)> {
    let args = cmdline.split_once(' ').map_or("", |(_, args)| args);
    let uid = if user == "root" { 0 } else { 1000 };
    vec![
        ("proc.name", s(name)),
        ("proc.exe", s(exe)),
        ("proc.exepath", s(exe)),
        ("proc.cmdline", s(cmdline)),
        ("proc.args", s(args)),
        ("proc.pname", s(parent)),
        ("proc.pexe", s(&format!("/usr/bin/{parent}"))),
        ("proc.pexepath", s(&format!("/usr/bin/{parent}"))),
        ("proc.pcmdline", s(parent)),
        ("proc.aname", list(&[parent, "systemd"])),
        ("proc.aname[1]", s(parent)),
        ("proc.aname[2]", s("systemd")),
        ("proc.aname[3]", s("")),
        ("proc.pid", Value::Int(4242)),
        ("proc.vpid", Value::Int(4242)),
        ("proc.ppid", Value::Int(1)),
        ("proc.tty", Value::Int(0)),
        ("proc.duration", Value::RelTime(3_600_000_000_000)),
        ("proc.sid", Value::Int(4242)),
        ("proc.vpgid", Value::Int(4242)),
        ("proc.is_exe_writable", Value::Bool(false)),
        ("proc.is_exe_upper_layer", Value::Bool(false)),
        ("proc.is_exe_from_memfd", Value::Bool(false)),
        ("proc.stdin.type", s("file")),
        ("proc.stdout.type", s("file")),
        ("thread.tid", Value::Int(4242)),
        ("thread.cap_effective", s("")),
        ("user.name", s(user)),
        ("user.uid", Value::UInt(uid)),
        ("user.loginuid", Value::Int(-1)),
        ("group.gid", Value::UInt(uid)),
        ("container.id", s(container)),
        ("container.name", s(container)),
        ("container.image.repository", s("")),
        ("container.privileged", Value::Bool(false)),
        ("evt.dir", s("<")),
    ]
}

/// An open of a regular file by a process, successful.
fn open_fields(
    path: &str,
    write: bool,
    proc_fields: &[(&'static str, Value<'static>)],
) -> Vec<(&'static str, Value<'static>)> {
    let (directory, filename) = path.rsplit_once('/').unwrap_or(("", path));
    let mut values = proc_fields.to_vec();
    values.extend([
        ("fd.name", s(path)),
        ("fd.nameraw", s(path)),
        (
            "fd.directory",
            s(if directory.is_empty() { "/" } else { directory }),
        ),
        ("fd.filename", s(filename)),
        ("fd.typechar", s("f")),
        ("fd.type", s("file")),
        ("fd.num", Value::Int(7)),
        ("evt.res", s("SUCCESS")),
        ("evt.rawres", Value::Int(7)),
        ("evt.failed", Value::Bool(false)),
        ("evt.is_open_read", Value::Bool(!write)),
        ("evt.is_open_write", Value::Bool(write)),
        ("evt.is_open_exec", Value::Bool(false)),
        (
            "evt.arg.flags",
            s(if write {
                "O_WRONLY|O_CREAT|O_CLOEXEC"
            } else {
                "O_RDONLY|O_CLOEXEC"
            }),
        ),
        ("evt.arg.name", s(path)),
    ]);
    values
}

/// A connect to `ip:port`.
fn connect_fields(
    ip: &str,
    port: u64,
    proc_fields: &[(&'static str, Value<'static>)],
) -> Vec<(&'static str, Value<'static>)> {
    let addr: IpAddr = ip.parse().unwrap();
    let mut values = proc_fields.to_vec();
    values.extend([
        ("fd.name", s(&format!("10.0.0.5:40000->{ip}:{port}"))),
        ("fd.typechar", s("4")),
        ("fd.type", s("ipv4")),
        ("fd.num", Value::Int(9)),
        ("fd.sip", Value::Ip(addr)),
        ("fd.rip", Value::Ip(addr)),
        ("fd.sport", Value::UInt(port)),
        ("fd.rport", Value::UInt(port)),
        ("fd.l4proto", s("tcp")),
        ("evt.res", s("SUCCESS")),
        ("evt.rawres", Value::Int(0)),
        ("evt.failed", Value::Bool(false)),
    ]);
    values
}

/// A successful exec of `exe`.
fn exec_fields(
    proc_fields: &[(&'static str, Value<'static>)],
) -> Vec<(&'static str, Value<'static>)> {
    let mut values = proc_fields.to_vec();
    values.extend([
        ("evt.res", s("SUCCESS")),
        ("evt.rawres", Value::Int(0)),
        ("evt.failed", Value::Bool(false)),
        ("evt.arg.flags", s("")),
    ]);
    values
}

/// Event streams for the three workloads.
struct Streams {
    mix: Vec<SynthEvent>,
    unindexed: Vec<SynthEvent>,
    firing: Vec<SynthEvent>,
}

fn streams(registry: &Registry) -> Streams {
    let types = registry.event_types(SOURCE).unwrap();
    let source = registry.source_index(SOURCE).unwrap();
    let fields = registry.table(SOURCE).unwrap().fields.len();
    let mut b = Builder {
        registry,
        types,
        source,
        fields,
        ts_ns: 1_700_000_000_000_000_000,
    };

    let nginx = process(
        "nginx",
        "/usr/sbin/nginx",
        "nginx -g daemon off;",
        "nginx",
        "www-data",
        "host",
    );
    let postgres = process(
        "postgres",
        "/usr/lib/postgresql/16/bin/postgres",
        "postgres -D /var/lib/postgresql/16/main",
        "postgres",
        "postgres",
        "host",
    );
    let java = process(
        "java",
        "/usr/lib/jvm/java-21/bin/java",
        "java -jar /opt/app/app.jar",
        "containerd-shim",
        "app",
        "3ad7f3c2b1e4",
    );
    let cron_sh = process(
        "sh",
        "/bin/sh",
        "sh -c run-parts --report /etc/cron.hourly",
        "cron",
        "root",
        "host",
    );
    let ls = process("ls", "/usr/bin/ls", "ls -la /var/log", "sh", "root", "host");
    let curl = process(
        "curl",
        "/usr/bin/curl",
        "curl -s https://example.com/health",
        "sh",
        "app",
        "3ad7f3c2b1e4",
    );
    let attacker_cat = process(
        "cat",
        "/usr/bin/cat",
        "cat /etc/shadow",
        "bash",
        "root",
        "host",
    );
    let mut shell_in_container =
        process("bash", "/bin/bash", "bash", "runc", "root", "3ad7f3c2b1e4");
    shell_in_container.push(("proc.tty", Value::Int(34816)));
    shell_in_container.push(("proc.vpid", Value::Int(1)));
    let web_shell = process("sh", "/bin/sh", "sh -c id", "nginx", "www-data", "host");

    // Types no stable rule indexes, in rough production proportions.
    let quiet_types: &[(&str, usize)] = &[
        ("read", 22),
        ("write", 14),
        ("close", 8),
        ("futex", 8),
        ("epoll_wait", 6),
        ("mmap", 4),
        ("recvfrom", 4),
        ("sendto", 4),
        ("fstat", 3),
        ("newfstatat", 3),
        ("lseek", 2),
        ("munmap", 2),
        ("brk", 1),
        ("poll", 2),
        ("getpid", 1),
    ];
    let owners = [&nginx, &postgres, &java];
    let mut unindexed = Vec::new();
    for (n, (ty, count)) in quiet_types.iter().enumerate() {
        for i in 0..*count {
            let owner = owners[(n + i) % owners.len()];
            let mut values = owner.clone();
            values.push(("fd.num", Value::Int(5)));
            values.push(("fd.name", s("/var/lib/postgresql/16/main/base/1/1259")));
            unindexed.push(b.event("unindexed", ty, &values));
        }
    }

    // Indexed types that evaluate rules without firing.
    let mut quiet = Vec::new();
    for path in [
        "/usr/lib/x86_64-linux-gnu/libssl.so.3",
        "/proc/self/stat",
        "/etc/nginx/nginx.conf",
        "/var/www/html/index.html",
        "/etc/ld.so.cache",
        "/sys/fs/cgroup/cpu.max",
    ] {
        quiet.push(b.event("openat read", "openat", &open_fields(path, false, &nginx)));
    }
    for path in [
        "/var/lib/postgresql/16/main/pg_wal/000000010000000000000001",
        "/tmp/pgsql_tmp1234.0",
    ] {
        quiet.push(b.event(
            "openat write",
            "openat",
            &open_fields(path, true, &postgres),
        ));
    }
    quiet.push(b.event(
        "openat write log",
        "openat",
        &open_fields("/var/log/nginx/access.log", true, &nginx),
    ));
    quiet.push(b.event(
        "open read",
        "open",
        &open_fields("/opt/app/config.yaml", false, &java),
    ));
    quiet.push(b.event("execve", "execve", &exec_fields(&cron_sh)));
    quiet.push(b.event("execve", "execve", &exec_fields(&ls)));
    quiet.push(b.event("execve container", "execve", &exec_fields(&curl)));
    quiet.push(b.event(
        "connect",
        "connect",
        &connect_fields("10.0.0.7", 5432, &java),
    ));
    quiet.push(b.event(
        "connect",
        "connect",
        &connect_fields("93.184.216.34", 443, &curl),
    ));
    let mut socket = java.clone();
    socket.extend([
        ("evt.arg.domain", s("AF_INET")),
        ("evt.rawres", Value::Int(9)),
        ("evt.res", s("SUCCESS")),
    ]);
    quiet.push(b.event("socket", "socket", &socket));
    let mut dup = nginx.clone();
    dup.extend([
        ("evt.rawres", Value::Int(12)),
        ("fd.type", s("file")),
        ("fd.typechar", s("f")),
    ]);
    quiet.push(b.event("dup", "dup2", &dup));

    // Events that fire a stable rule.
    let mut firing = vec![
        b.event(
            "read /etc/shadow",
            "openat",
            &open_fields("/etc/shadow", false, &attacker_cat),
        ),
        b.event(
            "shell in container",
            "execve",
            &exec_fields(&shell_in_container),
        ),
    ];
    let mut web = exec_fields(&web_shell);
    web.push(("proc.pexe", s("/usr/sbin/nginx")));
    firing.push(b.event("shell from web server", "execve", &web));

    // The mix: 1000 events, ~80% unindexed, ~20% rule-evaluating, 2 firing.
    let mut mix = Vec::new();
    let mut u = 0;
    let mut q = 0;
    for i in 0..1000 {
        if i == 333 || i == 777 {
            mix.push(b.event(
                "read /etc/shadow",
                "openat",
                &open_fields("/etc/shadow", false, &attacker_cat),
            ));
        } else if i % 5 == 0 {
            mix.push(clone_event(&quiet[q % quiet.len()]));
            q += 1;
        } else {
            mix.push(clone_event(&unindexed[u % unindexed.len()]));
            u += 1;
        }
    }
    Streams {
        mix,
        unindexed,
        firing,
    }
}

fn clone_event(event: &SynthEvent) -> SynthEvent {
    SynthEvent {
        type_index: event.type_index,
        ts_ns: event.ts_ns,
        plain: event.plain.clone(),
        with_arg: event.with_arg.clone(),
        source: event.source,
        label: event.label,
    }
}

/// The rule set and everything `process` needs.
struct Engine {
    ruleset: Ruleset,
    source: SourceHandle,
    context: EventContext,
}

impl Engine {
    fn load() -> Self {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/compat-rules/falco_rules.yaml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let files = [RulesSource {
            name: Arc::from("falco_rules.yaml"),
            text,
        }];
        let outcome = Ruleset::load(builtin_registry(), &files, &RulesetOptions::default());
        assert!(!outcome.has_errors(), "{:#?}", outcome.diagnostics);
        let ruleset = outcome.ruleset.unwrap();
        let source = ruleset.source(SOURCE).unwrap();
        let context = EventContext {
            number: 1,
            source: SOURCE.into(),
            hostname: "bench-host".into(),
            start_ns: 1_700_000_000_000_000_000,
        };
        Self {
            ruleset,
            source,
            context,
        }
    }

    /// Runs the stream once; returns the number of alerts.
    fn run(&self, events: &[SynthEvent], alerts: &mut Vec<Alert>) -> usize {
        alerts.clear();
        for event in events {
            self.ruleset.process(
                self.source,
                black_box(event as &dyn Event),
                &self.context,
                "bench-host",
                alerts,
            );
        }
        alerts.len()
    }
}

/// Checks the workloads do what their names say, and prints what they hold.
fn describe(engine: &Engine, streams: &mut Streams) {
    let rules = engine.ruleset.rules();
    let types = engine.ruleset.registry().event_types(SOURCE).unwrap();
    let enabled = engine.ruleset.enabled_rules(engine.source);
    println!(
        "loaded {} rules ({enabled} enabled) from falco_rules.yaml",
        rules.len()
    );
    let candidates = |event: &SynthEvent| {
        event.type_index.map_or(enabled, |t| {
            rules
                .iter()
                .filter(|r| r.enabled && r.event_types.contains(t))
                .count()
        })
    };
    let mut alerts = Vec::new();
    // The mix keeps every type; the unindexed workload only those no rule indexes.
    let mut indexed_types: Vec<&str> = streams
        .unindexed
        .iter()
        .filter(|event| candidates(event) > 0)
        .map(|event| types[event.type_index.unwrap()].as_str())
        .collect();
    indexed_types.dedup();
    println!("  indexed, kept out of the unindexed workload: {indexed_types:?}");
    streams.unindexed.retain(|event| candidates(event) == 0);
    assert_eq!(engine.run(&streams.unindexed, &mut alerts), 0);
    for event in &streams.firing {
        engine.run(std::slice::from_ref(event), &mut alerts);
        let fired: Vec<&str> = alerts.iter().map(|a| a.rule.as_str()).collect();
        println!(
            "  firing  {:<24} {:>2} candidate rules -> {fired:?}",
            event.label,
            candidates(event)
        );
        assert_eq!(fired.len(), 1, "{} must fire", event.label);
    }
    let mut seen = Vec::new();
    for event in &streams.mix {
        if event.label == "unindexed" || seen.contains(&event.label) {
            continue;
        }
        seen.push(event.label);
        engine.run(std::slice::from_ref(event), &mut alerts);
        println!(
            "  mix     {:<24} {:>2} candidate rules -> {} alerts",
            event.label,
            candidates(event),
            alerts.len()
        );
    }
    let indexed = streams.mix.iter().filter(|e| candidates(e) > 0).count();
    let fired = engine.run(&streams.mix, &mut alerts);
    println!(
        "mix: {} events, {indexed} reach rules, {fired} alerts",
        streams.mix.len()
    );
}

fn bench(c: &mut Criterion, engine: &Engine, streams: &Streams) {
    let mut group = c.benchmark_group("engine");
    let mut alerts = Vec::with_capacity(64);
    for (name, events) in [
        ("mix", &streams.mix),
        ("unindexed", &streams.unindexed),
        ("firing", &streams.firing),
    ] {
        group.throughput(Throughput::Elements(events.len() as u64));
        group.bench_with_input(BenchmarkId::new("process", name), events, |b, events| {
            b.iter(|| engine.run(events, &mut alerts))
        });
    }
    group.finish();
}

/// A plain timed loop per workload, for a summary table.
fn summary(engine: &Engine, streams: &Streams) {
    let mut alerts = Vec::with_capacity(64);
    println!();
    println!(
        "{:<10} {:>10} {:>14}",
        "workload", "ns/event", "events/s/core"
    );
    for (name, events) in [
        ("mix", &streams.mix),
        ("unindexed", &streams.unindexed),
        ("firing", &streams.firing),
    ] {
        let mut processed = 0u64;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2) {
            for _ in 0..100 {
                engine.run(events, &mut alerts);
            }
            processed += 100 * events.len() as u64;
        }
        let ns = start.elapsed().as_nanos() as f64 / processed as f64;
        println!("{name:<10} {ns:>10.1} {:>14.0}", 1e9 / ns);
    }
}

criterion_group!(benches, criterion_benches);

fn criterion_benches(c: &mut Criterion) {
    let engine = Engine::load();
    let mut streams = streams(engine.ruleset.registry());
    describe(&engine, &mut streams);
    bench(c, &engine, &streams);
    summary(&engine, &streams);
}
criterion_main!(benches);
