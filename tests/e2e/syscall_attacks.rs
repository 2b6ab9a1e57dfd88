//! Real attacks on this kernel against Falco's own rule files, unchanged:
//! each scenario performs a near miss and then the attack while `lanner run
//! --source syscall` watches and records; the attack's rule must fire with
//! the right output fields and the near miss must not. The capture is then
//! replayed without root and must give the same verdicts.
//!
//! Containers are made the way runtimes make them: a cgroup at a Docker
//! path (`/docker/<64 hex>` in the cgroup v2 hierarchy), new pid and mount
//! namespaces, started by a launcher named `runc`.

use lanner_tests::{
    Running, TempDir, cgroup2_root, compat_rules, fake_container_id, lanner, require_root,
};
use serde_json::Value;
use std::{
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

const ALERT_WAIT: Duration = Duration::from_secs(30);

/// The attacker's tools: the helper binary, and links to it or to stock
/// programs under the names rules look for.
struct Tools {
    dir: TempDir,
}

impl Tools {
    fn new(label: &str) -> Self {
        let dir = TempDir::new(label);
        dir.world_readable();
        Self { dir }
    }

    fn attack_bin() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_lanner-attack"))
    }

    /// A symlink named `name` to `target`: the kernel names the process after it.
    fn link(&self, name: &str, target: &Path) -> PathBuf {
        let link = self.dir.path().join(name);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(target, &link).unwrap();
        link
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Runs a command to completion; its failure is the test's failure unless `may_fail`.
fn run(command: &mut Command, may_fail: bool) {
    let out = command.output().expect("command runs");
    assert!(
        may_fail || out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sh(script: &str) -> Command {
    let mut command = Command::new("/bin/sh");
    command.args(["-c", script]);
    command
}

/// A container made like a runtime makes one.
struct Container {
    cgroup: PathBuf,
    runc: PathBuf,
}

impl Container {
    fn new(tools: &Tools) -> Self {
        let cgroup = cgroup2_root().join("docker").join(fake_container_id());
        std::fs::create_dir_all(&cgroup).expect("the container's cgroup can be made");
        let runc = tools.link("runc", Path::new("/usr/bin/unshare"));
        Self { cgroup, runc }
    }

    /// Runs `script` with `sh` as the container's first process, with a
    /// terminal when `tty` (as `docker run -t` / `kubectl exec -t` give).
    fn exec(&self, script: &str, tty: bool) -> Command {
        let inner = format!(
            "echo $$ > {}/cgroup.procs && exec {} --fork --pid --mount --mount-proc /bin/sh -c '{}'",
            self.cgroup.display(),
            self.runc.display(),
            script
        );
        if tty {
            // `script` runs its command with `$SHELL -c`; fixing the shell
            // keeps `$$` the pid of the shell that becomes runc. Through a
            // second shell, `$$` was expanded by the outer one, and where
            // that shell forks rather than execs its last command (dash),
            // only it joined the cgroup: the "container" ran on the host.
            let mut command = Command::new("script");
            command
                .args(["-qec", &inner, "/dev/null"])
                .env("SHELL", "/bin/sh");
            command
        } else {
            sh(&inner)
        }
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        // The cgroup can go once its processes have exited.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.cgroup).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// One attack and its near miss.
struct Scenario<'a> {
    /// The rule the attack must fire.
    rule: &'static str,
    /// Performs the near miss (must not fire the rule).
    near_miss: Box<dyn Fn() + 'a>,
    /// Performs the attack.
    attack: Box<dyn Fn() + 'a>,
    /// Tells the attack's alert from others of the same rule (e.g. other
    /// processes on this host), checking its output fields on the way.
    is_attack: Box<dyn Fn(&Value) -> bool + 'a>,
    /// Tells the near miss's alert, were it to fire.
    is_near_miss: Box<dyn Fn(&Value) -> bool + 'a>,
}

fn field<'v>(alert: &'v Value, name: &str) -> &'v Value {
    &alert["output_fields"][name]
}

fn text<'v>(alert: &'v Value, name: &str) -> &'v str {
    field(alert, name).as_str().unwrap_or("")
}

fn config(dir: &TempDir) -> PathBuf {
    // Rings larger than the default absorb what other tests running
    // meanwhile do on this host (this debug build reads slower than a
    // release one): a dropped event could be an attack's.
    dir.write(
        "lanner.yaml",
        "json_output: true\nrule_matching: all\nsyscall:\n  buffer_bytes_per_cpu: 67108864\n",
    )
}

/// Runs the scenarios live against `rules` (file names under the compat
/// rules folder), then replays the recording as an unprivileged user.
fn attack_and_replay(label: &str, rules: &[&str], scenarios: &[Scenario<'_>]) {
    require_root();
    let dir = TempDir::new(label);
    dir.world_readable();
    let config = config(&dir);
    let capture = dir.path().join("capture.jsonl");
    let rules: Vec<PathBuf> = rules.iter().map(|file| compat_rules(file)).collect();
    let mut command = lanner();
    command
        .args(["run", "--source", "syscall", "-c"])
        .arg(&config);
    for file in &rules {
        command.arg("-r").arg(file);
    }
    command.arg("--record").arg(&capture);
    let running = Running::spawn(command, "syscall source attached");
    let mut live = Vec::new();
    for scenario in scenarios {
        // Shown with the test's output when it fails.
        println!("scenario: {}", scenario.rule);
        (scenario.near_miss)();
        (scenario.attack)();
        let lines = running.lines_until(ALERT_WAIT, |line| {
            let alert: Value = serde_json::from_str(line).unwrap_or_default();
            alert["rule"] == scenario.rule && (scenario.is_attack)(&alert)
        });
        for line in &lines {
            let alert: Value = serde_json::from_str(line).unwrap_or_default();
            assert!(
                !(alert["rule"] == scenario.rule && (scenario.is_near_miss)(&alert)),
                "the near miss of `{}` fired: {line}",
                scenario.rule
            );
        }
        live.extend(lines);
    }
    let (status, stderr) = running.terminate();
    assert!(status.success(), "lanner failed: {stderr:?}");
    assert!(
        stderr.iter().any(|l| l.contains("recorded")),
        "no recording summary: {stderr:?}"
    );

    // The same verdicts from the capture, replayed by nobody. Captures are
    // created 0600 (they hold what every process did): hand this one over,
    // as an operator would.
    std::os::unix::fs::chown(&capture, Some(65534), Some(65534)).expect("chown the capture");
    let mut replay = lanner();
    replay
        .args(["run", "--source", "syscall", "-c"])
        .arg(&config)
        .arg("--input")
        .arg(&capture);
    for file in &rules {
        replay.arg("-r").arg(file);
    }
    replay.uid(65534).gid(65534);
    let out = replay.output().expect("replay runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "replay failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replayed: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    for scenario in scenarios {
        let attack = replayed
            .iter()
            .filter(|a| a["rule"] == scenario.rule && (scenario.is_attack)(a))
            .count();
        assert!(
            attack >= 1,
            "replay did not fire `{}`; replay printed:\n{stdout}",
            scenario.rule
        );
        assert!(
            !replayed
                .iter()
                .any(|a| a["rule"] == scenario.rule && (scenario.is_near_miss)(a)),
            "replay fired the near miss of `{}`",
            scenario.rule
        );
    }
}

#[test]
fn falco_rules_catch_real_attacks_live_and_replayed() {
    let tools = Tools::new("attacks-falco");
    let attack = Tools::attack_bin();
    let container = Container::new(&tools);
    let nginx = tools.link("nginx", Path::new("/bin/sh"));
    let webapp = tools.link("webapp", Path::new("/bin/sh"));
    let ssh = tools.link("ssh", &attack);
    let in_container = tools.link("ctr-attack", &attack);
    let symlink_target = tools.path("link-shadow");
    let symlink_near = tools.path("link-hostname");
    let hardlink = tools.path("hard-shadow");
    let hardlink_near = tools.path("hard-own");
    std::fs::write(tools.path("own-file"), "x").unwrap();

    let scenarios = vec![
        Scenario {
            rule: "Read sensitive file untrusted",
            near_miss: Box::new(|| run(Command::new("cat").arg("/etc/hostname"), false)),
            attack: Box::new(|| run(Command::new("cat").arg("/etc/shadow"), false)),
            is_attack: Box::new(|a| {
                text(a, "fd.name") == "/etc/shadow"
                    && text(a, "proc.name") == "cat"
                    && text(a, "user.name") == "root"
            }),
            is_near_miss: Box::new(|a| text(a, "fd.name") == "/etc/hostname"),
        },
        Scenario {
            rule: "Run shell untrusted",
            near_miss: Box::new(|| {
                run(
                    Command::new(&webapp).args(["-c", "sh -c true; true"]),
                    false,
                )
            }),
            attack: Box::new(|| run(Command::new(&nginx).args(["-c", "sh -c true; true"]), false)),
            is_attack: Box::new(|a| {
                text(a, "proc.pname") == "nginx" && text(a, "proc.name") == "sh"
            }),
            is_near_miss: Box::new(|a| text(a, "proc.pname") == "webapp"),
        },
        Scenario {
            rule: "PTRACE attached to process",
            near_miss: Box::new(|| run(Command::new(&attack).arg("ptrace-traceme"), false)),
            attack: Box::new(|| run(Command::new(&attack).arg("ptrace-attach"), false)),
            is_attack: Box::new(|a| {
                text(a, "proc.name") == "lanner-attack"
                    && text(a, "proc.cmdline").contains("ptrace-attach")
            }),
            is_near_miss: Box::new(|a| text(a, "proc.cmdline").contains("ptrace-traceme")),
        },
        Scenario {
            rule: "Fileless execution via memfd_create",
            near_miss: Box::new(|| run(&mut Command::new("/bin/true"), false)),
            attack: Box::new(|| {
                run(
                    Command::new(&attack).args(["memfd-exec", "/bin/true"]),
                    false,
                )
            }),
            is_attack: Box::new(|a| text(a, "proc.exepath").contains("memfd:lanner-payload")),
            is_near_miss: Box::new(|a| text(a, "proc.name") == "true"),
        },
        Scenario {
            rule: "Create Symlink Over Sensitive Files",
            near_miss: Box::new(|| {
                run(
                    Command::new("ln")
                        .arg("-sf")
                        .arg("/etc/hostname")
                        .arg(&symlink_near),
                    false,
                )
            }),
            attack: Box::new(|| {
                run(
                    Command::new("ln")
                        .arg("-sf")
                        .arg("/etc/shadow")
                        .arg(&symlink_target),
                    false,
                )
            }),
            is_attack: Box::new(|a| {
                text(a, "evt.arg.target") == "/etc/shadow" && text(a, "proc.name") == "ln"
            }),
            is_near_miss: Box::new(|a| text(a, "evt.arg.target") == "/etc/hostname"),
        },
        Scenario {
            rule: "Create Hardlink Over Sensitive Files",
            near_miss: Box::new(|| {
                run(
                    Command::new("ln")
                        .arg("-f")
                        .arg(tools.path("own-file"))
                        .arg(&hardlink_near),
                    false,
                )
            }),
            attack: Box::new(|| {
                run(
                    Command::new("ln")
                        .arg("-f")
                        .arg("/etc/shadow")
                        .arg(&hardlink),
                    true,
                )
            }),
            is_attack: Box::new(|a| text(a, "evt.arg.oldpath") == "/etc/shadow"),
            is_near_miss: Box::new(|a| text(a, "evt.arg.oldpath").ends_with("own-file")),
        },
        Scenario {
            rule: "Packet socket created in container",
            near_miss: Box::new(|| run(Command::new(&attack).arg("packet-socket"), false)),
            attack: Box::new(|| {
                run(
                    &mut container
                        .exec(&format!("{} packet-socket", in_container.display()), false),
                    false,
                )
            }),
            is_attack: Box::new(|a| {
                text(a, "proc.name") == "ctr-attack" && text(a, "evt.args").contains("AF_PACKET")
            }),
            is_near_miss: Box::new(|a| text(a, "proc.name") == "lanner-attack"),
        },
        Scenario {
            rule: "Terminal shell in container",
            near_miss: Box::new(|| run(&mut container.exec("true; sleep 0.3", false), false)),
            attack: Box::new(|| run(&mut container.exec("true; sleep 0.3", true), false)),
            is_attack: Box::new(|a| {
                text(a, "proc.name") == "sh"
                    && text(a, "proc.pname") == "runc"
                    && field(a, "proc.tty").as_u64().unwrap_or(0) != 0
            }),
            is_near_miss: Box::new(|a| {
                text(a, "proc.pname") == "runc" && field(a, "proc.tty").as_u64() == Some(0)
            }),
        },
        Scenario {
            rule: "Linux Kernel Module Injection Detected",
            near_miss: Box::new(|| {
                run(
                    Command::new(&attack).args(["finit-module", "/etc/hostname"]),
                    false,
                )
            }),
            attack: Box::new(|| {
                run(
                    &mut container.exec(
                        &format!("{} finit-module /etc/hostname", in_container.display()),
                        false,
                    ),
                    false,
                )
            }),
            is_attack: Box::new(|a| {
                text(a, "proc.name") == "ctr-attack"
                    && text(a, "proc.cmdline").contains("finit-module")
            }),
            is_near_miss: Box::new(|a| text(a, "proc.name") == "lanner-attack"),
        },
        Scenario {
            rule: "Disallowed SSH Connection Non Standard Port",
            near_miss: Box::new(|| {
                run(Command::new(&ssh).args(["connect", "127.0.0.1:443"]), false)
            }),
            attack: Box::new(|| {
                run(
                    &mut sh(&format!(
                        "exec unshare -n /bin/sh -c 'ip link set lo up && ip addr add 198.51.100.7/32 dev lo && {} connect 198.51.100.7:443'",
                        ssh.display()
                    )),
                    false,
                )
            }),
            is_attack: Box::new(|a| {
                text(a, "fd.name").contains("198.51.100.7:443") && field(a, "fd.rport") == 443
            }),
            is_near_miss: Box::new(|a| text(a, "fd.name").contains("127.0.0.1")),
        },
    ];
    attack_and_replay("attacks-falco", &["falco_rules.yaml"], &scenarios);
}

#[test]
fn incubating_and_sandbox_rules_catch_real_attacks_live_and_replayed() {
    let tools = Tools::new("attacks-incubating");
    let container = Container::new(&tools);
    let setuid_file = tools.path("setuid-me");
    let plain_file = tools.path("plain");
    std::fs::write(&setuid_file, "x").unwrap();
    std::fs::write(&plain_file, "x").unwrap();
    let etc_file = PathBuf::from(format!("/etc/lanner-test-{}", std::process::id()));
    let tmp_file = tools.path("not-etc");
    let scenarios = vec![
        Scenario {
            rule: "Set Setuid or Setgid bit",
            near_miss: Box::new(|| run(Command::new("chmod").arg("755").arg(&plain_file), false)),
            attack: Box::new(|| run(Command::new("chmod").arg("u+s").arg(&setuid_file), false)),
            is_attack: Box::new(|a| {
                text(a, "proc.name") == "chmod" && text(a, "evt.arg.mode").contains("S_ISUID")
            }),
            is_near_miss: Box::new(|a| text(a, "proc.cmdline").contains("755")),
        },
        Scenario {
            rule: "Mount Launched in Privileged Container",
            near_miss: Box::new(|| run(&mut container.exec("mount -l > /dev/null", false), false)),
            attack: Box::new(|| {
                run(
                    &mut container.exec("mount -t tmpfs none /mnt", false),
                    false,
                )
            }),
            is_attack: Box::new(|a| {
                text(a, "proc.name") == "mount" && text(a, "proc.cmdline").contains("tmpfs")
            }),
            is_near_miss: Box::new(|a| text(a, "proc.cmdline").contains("-l")),
        },
    ];
    attack_and_replay(
        "attacks-incubating",
        &["falco-incubating_rules.yaml"],
        &scenarios,
    );

    let scenarios = vec![Scenario {
        rule: "Write below etc",
        near_miss: Box::new(|| run(&mut sh(&format!("echo x > {}", tmp_file.display())), false)),
        attack: Box::new(|| {
            run(
                &mut sh(&format!("echo x > {0}; rm -f {0}", etc_file.display())),
                false,
            )
        }),
        is_attack: Box::new(|a| text(a, "fd.name") == etc_file.display().to_string()),
        is_near_miss: Box::new(|a| text(a, "fd.name").contains("not-etc")),
    }];
    attack_and_replay("attacks-sandbox", &["falco-sandbox_rules.yaml"], &scenarios);
}
