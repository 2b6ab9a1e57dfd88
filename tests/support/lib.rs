//! Helpers for the end-to-end tests: where the built artifacts are, and how to
//! drive the `lanner` binary. Missing artifacts are a loud failure, not a skip.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, ChildStdout, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

/// The cargo target directory these tests were built into.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // The test binary lives in `<target>/<profile>/deps/`.
    let exe = std::env::current_exe().expect("the test binary knows its path");
    exe.ancestors()
        .nth(3)
        .expect("test binary is inside <target>/<profile>/deps")
        .to_path_buf()
}

/// The `lanner` binary built by `cargo build -p lanner` (same profile as the tests).
pub fn lanner_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let profile_dir = exe.ancestors().nth(2).expect("inside <profile>/deps");
    let bin = profile_dir.join("lanner");
    assert!(
        bin.is_file(),
        "{} is missing: build it first (`cargo build -p lanner`, or run `cargo xtask test`)",
        bin.display()
    );
    bin
}

/// The component built from `plugins/<name>` by `cargo xtask build-plugins`.
pub fn plugin_wasm(crate_name: &str) -> PathBuf {
    let file = target_dir()
        .join("wasm32-wasip2/plugin")
        .join(format!("{}.wasm", crate_name.replace('-', "_")));
    assert!(
        file.is_file(),
        "{} is missing: build the plugins first (`cargo xtask build-plugins`)",
        file.display()
    );
    file
}

/// `file` from Falco's rule files, pinned and verified by `cargo xtask
/// bootstrap` into `tests/fixtures/compat-rules/`; a missing file is a loud
/// failure that says how to get it.
pub fn compat_rules(file: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/compat-rules")
        .join(file);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo xtask bootstrap` (it provides Falco's pinned rule files, \
         from $LANNER_COMPAT_RULES, ../shared/compat/rules or a download)",
        path.display()
    );
    path
}

/// Where the cgroup v2 hierarchy is mounted, from this process's mount
/// table (fails loudly where there is none: the container tests need it).
pub fn cgroup2_root() -> PathBuf {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").expect("reading mountinfo");
    mountinfo
        .lines()
        .find_map(|line| {
            let (before, after) = line.split_once(" - ")?;
            after
                .starts_with("cgroup2 ")
                .then(|| before.split_whitespace().nth(4).map(PathBuf::from))?
        })
        .expect("a cgroup v2 hierarchy is mounted")
}

/// A Docker-shaped container id (64 hex digits) that no other container of
/// this or another test run has: its short id (the first 12 digits) differs
/// too.
pub fn fake_container_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let seed = nanos ^ (u64::from(std::process::id()) << 40) ^ (unique << 20);
    (1..=4u64)
        .map(|i| format!("{:016x}", seed.wrapping_mul(0x9e37_79b9_7f4a_7c15 ^ i)))
        .collect()
}

/// A `lanner` command with a clean environment for logging.
pub fn lanner() -> Command {
    let mut command = Command::new(lanner_bin());
    command.env_remove("LANNER_LOG");
    command
}

/// Runs `lanner` with `args` to completion; returns (success, stdout, stderr).
pub fn run_lanner(args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let out = lanner().args(args).output().expect("lanner runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts the tests run as root, which the kernel tests need (CI runs as root).
pub fn require_root() {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(
        euid, 0,
        "this test needs root: run the suite as root (CI does)"
    );
}

/// A running `lanner` whose stdout lines arrive on a channel.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    errors: mpsc::Receiver<String>,
    /// The stderr line that announced readiness.
    pub ready_line: String,
}

impl Running {
    /// Spawns `command` with piped stdout/stderr and waits until `ready` appears on stderr.
    pub fn spawn(mut command: Command, ready: &str) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lanner starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let mut stderr_lines = BufReader::new(stderr).lines();
        let mut seen = Vec::new();
        let ready_line = loop {
            match stderr_lines.next() {
                Some(Ok(line)) if line.contains(ready) => break line,
                Some(Ok(line)) => seen.push(line),
                _ => {
                    let status = child.wait().ok();
                    panic!(
                        "lanner exited ({status:?}) before printing `{ready}`; stderr:\n{}",
                        seen.join("\n")
                    );
                }
            }
        };
        // Keep draining stderr so lanner never blocks on a full pipe.
        let (tx, errors) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr_lines.map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = forward_lines(stdout);
        Self {
            child,
            lines,
            errors,
            ready_line,
        }
    }

    /// The URL that ends the ready line (`... listening on http://host:port/path`).
    pub fn ready_url(&self) -> String {
        self.ready_line
            .split_whitespace()
            .last()
            .filter(|url| url.starts_with("http://") || url.starts_with("https://"))
            .unwrap_or_else(|| panic!("no URL at the end of the ready line: {}", self.ready_line))
            .to_string()
    }

    /// The process id of the running lanner.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits (up to 20 s) for a clean exit; returns the
    /// exit status and every stderr line printed after readiness.
    pub fn terminate(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid fits");
        // SAFETY: kill has no memory-safety preconditions; the pid is our child's.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("waiting for lanner") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "lanner did not exit within 20 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The drain thread ends at EOF once the process is gone.
        let mut errors = Vec::new();
        while let Ok(line) = self.errors.recv_timeout(Duration::from_secs(2)) {
            errors.push(line);
        }
        (status, errors)
    }

    /// Waits up to `timeout` for a stdout line satisfying `wanted` and returns
    /// every line read on the way, that line last.
    pub fn lines_until(&self, timeout: Duration, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = wanted(&line);
                    seen.push(line);
                    if found {
                        return seen;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "no matching line within {timeout:?}; lines seen:\n{}",
            seen.join("\n")
        );
    }

    /// Waits up to `timeout` for a stdout line satisfying `wanted` and returns it.
    pub fn wait_for_line(&self, timeout: Duration, wanted: impl Fn(&str) -> bool) -> String {
        self.lines_until(timeout, wanted)
            .pop()
            .expect("lines_until returns the matching line last")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward_lines(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A temporary directory removed when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh directory named after `label` and this process.
    pub fn new(label: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "lanner-{label}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&path).expect("temp dir can be created");
        Self { path }
    }

    /// Writes `contents` to `name` inside the directory and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let file = self.path.join(name);
        std::fs::write(&file, contents).expect("temp file can be written");
        file
    }

    /// The directory's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Opens the directory to every user (mode 0o755, whatever the umask):
    /// captures are replayed as nobody, who must reach the files root wrote
    /// inside (config, rules, capture).
    pub fn world_readable(&self) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o755))
            .expect("temp dir permissions can be set");
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // A failing test's files (configs, captures) are what explains it.
        if std::thread::panicking() {
            eprintln!("kept for inspection: {}", self.path.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
