//! `lanner-attack`: the few attacker actions the syscall e2e tests need that
//! no stock tool performs (raw syscalls: packet sockets, ptrace, fileless
//! exec, module loading, a TCP connect under a chosen program name).
//!
//! Usage: `lanner-attack ACTION [ARGS]`; the action is the first argument so
//! the program can run under any `argv[0]` (tests call it through symlinks
//! named like the tools rules look for, e.g. `ssh`).

use std::{
    ffi::CString,
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    process::ExitCode,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let action = args.get(1).map(String::as_str).unwrap_or("");
    let result = match action {
        "packet-socket" => packet_socket(),
        "ptrace-attach" => ptrace_attach(),
        "ptrace-traceme" => ptrace_traceme(),
        "memfd-exec" => memfd_exec(args.get(2).map(String::as_str).unwrap_or("/bin/true")),
        "finit-module" => finit_module(args.get(2).map(String::as_str).unwrap_or("/etc/hostname")),
        "connect" => connect(args.get(2).map(String::as_str).unwrap_or("")),
        _ => Err(format!(
            "unknown action `{action}`; one of packet-socket, ptrace-attach, ptrace-traceme, memfd-exec [FILE], finit-module [FILE], connect IP:PORT"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lanner-attack: {message}");
            ExitCode::FAILURE
        }
    }
}

fn os_error(what: &str) -> String {
    format!("{what}: {}", std::io::Error::last_os_error())
}

/// A raw packet socket (OSI layer 2), as ARP spoofing tools open.
fn packet_socket() -> Result<(), String> {
    let eth_p_all = 0x0003u16.to_be() as i32;
    // SAFETY: plain syscall wrappers on integers.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, eth_p_all) };
    if fd < 0 {
        return Err(os_error("socket(AF_PACKET)"));
    }
    // SAFETY: fd is ours.
    unsafe { libc::close(fd) };
    Ok(())
}

/// Forks a sleeping child, attaches to it with PTRACE_ATTACH, detaches, kills it.
fn ptrace_attach() -> Result<(), String> {
    // SAFETY: the child only sleeps until killed.
    let child = unsafe { libc::fork() };
    if child < 0 {
        return Err(os_error("fork"));
    }
    if child == 0 {
        loop {
            // SAFETY: async-signal-safe.
            unsafe { libc::pause() };
        }
    }
    // SAFETY: ptrace/waitpid/kill on our own child.
    unsafe {
        let attached = libc::ptrace(libc::PTRACE_ATTACH, child, 0, 0);
        let err = (attached < 0).then(|| os_error("ptrace(PTRACE_ATTACH)"));
        let mut status = 0;
        if attached == 0 {
            libc::waitpid(child, &mut status, 0);
            libc::ptrace(libc::PTRACE_DETACH, child, 0, 0);
        }
        libc::kill(child, libc::SIGKILL);
        libc::waitpid(child, &mut status, 0);
        err.map_or(Ok(()), Err)
    }
}

/// A child asks to be traced by its parent (PTRACE_TRACEME), which debuggers
/// do and which is no attach to another process.
fn ptrace_traceme() -> Result<(), String> {
    // SAFETY: the child makes one ptrace call and exits.
    let child = unsafe { libc::fork() };
    if child < 0 {
        return Err(os_error("fork"));
    }
    if child == 0 {
        // SAFETY: plain syscall; _exit is async-signal-safe.
        unsafe {
            libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
            libc::_exit(0);
        }
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(child, &mut status, 0) };
    Ok(())
}

/// Copies `file` into an anonymous memory file and executes it from there.
fn memfd_exec(file: &str) -> Result<(), String> {
    let mut program = Vec::new();
    std::fs::File::open(file)
        .and_then(|mut f| f.read_to_end(&mut program))
        .map_err(|e| format!("reading {file}: {e}"))?;
    let name = CString::new("lanner-payload").map_err(|e| e.to_string())?;
    // SAFETY: valid NUL-terminated name.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), 0) };
    if fd < 0 {
        return Err(os_error("memfd_create"));
    }
    // SAFETY: fd is a fresh memfd we own; the File takes it over.
    let mut memfd = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    memfd
        .write_all(&program)
        .map_err(|e| format!("writing the memfd: {e}"))?;
    let argv0 = CString::new("payload").map_err(|e| e.to_string())?;
    let empty = CString::new("").map_err(|e| e.to_string())?;
    let argv = [argv0.as_ptr(), std::ptr::null()];
    let envp: [*const libc::c_char; 1] = [std::ptr::null()];
    // SAFETY: valid pointers and NULL-terminated arrays; on success this never returns.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            fd,
            empty.as_ptr(),
            argv.as_ptr(),
            envp.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    Err(os_error("execveat(memfd)"))
}

/// Tries to load `file` as a kernel module (it is none, so the kernel refuses).
fn finit_module(file: &str) -> Result<(), String> {
    let module = std::fs::File::open(file).map_err(|e| format!("opening {file}: {e}"))?;
    let params = CString::new("").map_err(|e| e.to_string())?;
    // SAFETY: a valid fd and NUL-terminated parameter string.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_finit_module,
            std::os::fd::AsRawFd::as_raw_fd(&module),
            params.as_ptr(),
            0,
        )
    };
    // The attempt is what matters; the kernel refusing a non-module is expected.
    if rc == 0 {
        return Err("the kernel accepted a module it should have refused".into());
    }
    Ok(())
}

/// Listens on `address` and connects to it: an outbound TCP connection that
/// succeeds wherever the address is local.
fn connect(address: &str) -> Result<(), String> {
    let address: SocketAddr = address
        .parse()
        .map_err(|e| format!("`{address}` is no IP:PORT: {e}"))?;
    let listener =
        TcpListener::bind(address).map_err(|e| format!("listening on {address}: {e}"))?;
    let stream =
        TcpStream::connect(address).map_err(|e| format!("connecting to {address}: {e}"))?;
    let _ = listener.accept();
    drop(stream);
    Ok(())
}
