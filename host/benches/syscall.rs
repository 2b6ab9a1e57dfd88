//! The syscall source's overhead on syscall-heavy workloads (needs root).
//!
//! For each workload (an open/close loop, a fork/exec loop, a TCP
//! connect/accept loop on loopback, a pipe write/read loop) it measures the
//! workload's throughput with no Lanner running, then with `lanner run
//! --source syscall` running (a) the full stable Falco rule set, (b) one
//! rule needing a single syscall, (c) one rule without an event type, which
//! needs every syscall; and reports each ratio to the baseline, Lanner's CPU
//! time and peak RSS over the run, and the events and drops the probe
//! counted. (b) against (c) is the in-kernel filter's effect: open, close,
//! exec and connect are always captured (the state tables need them), read
//! and write only when a rule does.
//! Baselines and Lanner runs alternate, and every figure is the median of
//! the rounds, so drift on a shared machine hits both sides alike.
//!
//! Run: `cargo bench -p lanner --bench syscall` (as root). `ROUNDS` and
//! `SECONDS` (environment) change the rounds per cell and the seconds per
//! measurement (defaults 3 and 2).

use std::{
    io::{BufRead, BufReader},
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/compat-rules/falco_rules.yaml"
);

/// A rule that needs one syscall nothing in the workloads makes: what the
/// in-kernel filter costs when the rules need (almost) nothing.
const FEW_SYSCALLS_RULE: &str = "- rule: ptrace only\n  desc: needs one syscall\n  condition: evt.type = ptrace\n  output: ptrace by %proc.name\n  priority: WARNING\n";

/// A rule without an event type: every syscall must reach userspace.
const ALL_SYSCALLS_RULE: &str = "- rule: any syscall\n  desc: needs every syscall\n  condition: proc.name = no-such-process-name\n  output: seen %proc.name\n  priority: WARNING\n";

#[derive(Clone, Copy, Debug)]
enum Workload {
    OpenClose,
    ForkExec,
    Network,
    PipeIo,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Self::OpenClose => "open/close loop",
            Self::ForkExec => "fork/exec loop (/bin/true)",
            Self::Network => "TCP connect/accept/close loop",
            Self::PipeIo => "pipe write/read loop (1 byte)",
        }
    }

    /// Runs the workload for `duration`; returns operations per second.
    fn run(self, duration: Duration) -> f64 {
        let start = Instant::now();
        let mut ops = 0u64;
        let listener =
            matches!(self, Self::Network).then(|| TcpListener::bind("127.0.0.1:0").unwrap());
        let mut pipe = [0i32; 2];
        if matches!(self, Self::PipeIo) {
            // SAFETY: a valid two-int array.
            assert_eq!(unsafe { libc::pipe(pipe.as_mut_ptr()) }, 0);
        }
        while start.elapsed() < duration {
            for _ in 0..16 {
                match self {
                    Self::OpenClose => {
                        drop(std::fs::File::open("/etc/hostname").unwrap());
                    }
                    Self::ForkExec => {
                        let status = Command::new("/bin/true").status().unwrap();
                        assert!(status.success());
                    }
                    Self::Network => {
                        let listener = listener.as_ref().unwrap();
                        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
                        let (server, _) = listener.accept().unwrap();
                        abort_on_close(&client);
                        drop((client, server));
                    }
                    Self::PipeIo => {
                        let mut byte = [7u8];
                        // SAFETY: our own pipe's fds and a one-byte buffer.
                        unsafe {
                            assert_eq!(libc::write(pipe[1], byte.as_ptr().cast(), 1), 1);
                            assert_eq!(libc::read(pipe[0], byte.as_mut_ptr().cast(), 1), 1);
                        }
                    }
                }
                ops += 1;
            }
        }
        if matches!(self, Self::PipeIo) {
            // SAFETY: closing our own pipe.
            unsafe {
                libc::close(pipe[0]);
                libc::close(pipe[1]);
            }
        }
        ops as f64 / start.elapsed().as_secs_f64()
    }
}

/// Makes closing `stream` reset the connection (`SO_LINGER` 0) rather than
/// leave it in TIME_WAIT: tens of thousands of those per second exhaust the
/// ephemeral ports and make the loop's own speed swing from run to run.
fn abort_on_close(stream: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and option buffer of the option's size.
    let rc = unsafe {
        libc::setsockopt(
            std::os::fd::AsRawFd::as_raw_fd(stream),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "SO_LINGER");
}

/// A running `lanner run --source syscall`.
struct Lanner {
    child: Child,
    stderr: std::io::Lines<BufReader<std::process::ChildStderr>>,
}

impl Lanner {
    fn start(rules: &PathBuf) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lanner"))
            .args(["run", "--source", "syscall", "-r"])
            .arg(rules)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lanner starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        loop {
            match stderr.next() {
                Some(Ok(line)) if line.contains("syscall source attached") => break,
                Some(Ok(_)) => {}
                _ => panic!("lanner exited before attaching (are you root?)"),
            }
        }
        Self { child, stderr }
    }

    /// User + system CPU seconds used so far.
    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        // SAFETY: sysconf has no preconditions.
        ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
    }

    /// Peak resident set size, MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    }

    /// Stops it; returns (events, drops) from its summary line.
    fn stop(mut self) -> (u64, u64) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let mut counts = (0, 0);
        for line in self.stderr.by_ref().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("lanner: syscall source: ") {
                let numbers: Vec<u64> = rest
                    .split(|c: char| !c.is_ascii_digit())
                    .filter_map(|n| n.parse().ok())
                    .collect();
                counts = (
                    numbers.first().copied().unwrap_or(0),
                    numbers.get(1).copied().unwrap_or(0),
                );
            }
        }
        let _ = self.child.wait();
        counts
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too: only measure for bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "the syscall bench needs root"
    );
    let rounds = env_number("ROUNDS", 3) as usize;
    let seconds = Duration::from_secs(env_number("SECONDS", 2));
    let dir = std::env::temp_dir().join(format!("lanner-syscall-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let few = dir.join("few.yaml");
    std::fs::write(&few, FEW_SYSCALLS_RULE).unwrap();
    let full = PathBuf::from(RULES);
    let all = dir.join("all.yaml");
    std::fs::write(&all, ALL_SYSCALLS_RULE).unwrap();
    let setups = [
        ("full stable rules (falco_rules.yaml)", &full),
        ("one rule, one syscall (ptrace)", &few),
        ("one rule, every syscall", &all),
    ];

    println!(
        "rounds per cell: {rounds}, {} s per measurement; medians",
        seconds.as_secs()
    );
    println!(
        "| workload | rules | baseline ops/s | with Lanner ops/s | ratio | Lanner CPU s per s | peak RSS MiB | events | drops |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for workload in [
        Workload::OpenClose,
        Workload::ForkExec,
        Workload::Network,
        Workload::PipeIo,
    ] {
        for (label, rules) in &setups {
            let (mut base, mut with, mut cpu, mut rss) = (vec![], vec![], vec![], vec![]);
            let (mut events, mut drops) = (0, 0);
            for _ in 0..rounds {
                base.push(workload.run(seconds));
                let lanner = Lanner::start(rules);
                let cpu_before = lanner.cpu_seconds();
                let start = Instant::now();
                with.push(workload.run(seconds));
                // Let the reader catch up with what the workload produced.
                std::thread::sleep(Duration::from_millis(200));
                cpu.push((lanner.cpu_seconds() - cpu_before) / start.elapsed().as_secs_f64());
                rss.push(lanner.peak_rss_mib());
                let (e, d) = lanner.stop();
                events += e;
                drops += d;
            }
            let (base, with) = (median(&mut base), median(&mut with));
            println!(
                "| {} | {label} | {base:.0} | {with:.0} | {:.2}x slower | {:.2} | {:.0} | {events} | {drops} |",
                workload.name(),
                base / with,
                median(&mut cpu),
                median(&mut rss),
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
