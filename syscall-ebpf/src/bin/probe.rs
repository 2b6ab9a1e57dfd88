//! Lanner's kernel probe.
//!
//! Six programs feed one ring buffer per CPU:
//! - `sys_exit` (raw tracepoint) reports every syscall whose number is marked
//!   in the interest table, with its return value, raw arguments and the user
//!   memory its arguments point at, copied by the rules the loader wrote into
//!   the per-syscall memory table (the probe itself knows no syscall but exec);
//! - `syscalls:sys_enter_execve` and `syscalls:sys_enter_execveat`
//!   (tracepoints) report the argv and envp of execs, which are gone once a
//!   successful exec reaches `sys_exit`; these tracepoints fire for those two
//!   syscalls only, so no other syscall pays for an entry program;
//! - `sched_process_exec`, `sched_process_fork` and `sched_process_exit`
//!   (tracepoints) report successful execs (with the file the kernel ran),
//!   task creation and thread exit.
//!
//! Variable-size records are built in a per-CPU scratch buffer and copied
//! into the ring in one `bpf_ringbuf_output`. Offsets into the scratch buffer
//! are masked so the verifier can prove every write stays inside it.
//!
//! No kernel struct offsets are compiled in: `pt_regs` is UAPI, and the
//! tracepoint record offsets come from tracefs through loader-set globals.
#![cfg_attr(target_arch = "bpf", no_std)]
#![cfg_attr(target_arch = "bpf", no_main)]

#[cfg(target_arch = "bpf")]
mod probe {
    use aya_ebpf::{
        EbpfContext, Global,
        btf_maps::{ArrayOfMaps, RingBuf},
        helpers::{
            bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid,
            bpf_probe_read_kernel, bpf_probe_read_user,
            generated::{
                bpf_get_current_cgroup_id, bpf_get_current_task, bpf_get_smp_processor_id,
                bpf_ktime_get_boot_ns, bpf_probe_read_kernel_str,
                bpf_probe_read_user as raw_read_user, bpf_probe_read_user_str, bpf_ringbuf_output,
            },
        },
        macros::{btf_map, map, raw_tracepoint, tracepoint},
        maps::{Array, PerCpuArray},
        programs::{RawTracePointContext, TracePointContext},
    };
    use core::{
        ffi::c_void,
        mem::size_of,
        ptr::{read_volatile, write_volatile},
    };
    use lanner_syscall_ebpf::wire::{
        COPY_ON_SUCCESS, CopyKind, Counters, ExecArgsHead, ExecHead, Fork, MAX_COPY_LEN,
        MAX_EXEC_POINTERS, MAX_EXEC_TEXT, RECORD_KINDS, RECORD_LIMIT, RecordHeader, RecordKind,
        SCRATCH_LEN, SYSCALL_TABLE_SIZE, SyscallExitHead, SyscallMemory, exec_known, nr,
        task_offset,
    };

    /// Masks an offset into the first half of a scratch buffer.
    const OFFSET_MASK: usize = RECORD_LIMIT - 1;
    /// Masks a copy length to below twice [`MAX_COPY_LEN`]; with [`OFFSET_MASK`]
    /// this keeps every write inside the scratch buffer, whatever LLVM did to
    /// the bounds checks before it.
    const COPY_MASK: usize = 2 * MAX_COPY_LEN - 1;
    /// Masks a record length to the scratch buffer's size.
    const OUTPUT_MASK: usize = SCRATCH_LEN - 1;

    /// Template ring for the array of rings below. The loader creates the real
    /// rings (one per CPU, of the configured size) and stores them in `RINGS`;
    /// the kernel does not compare ring sizes between template and members.
    type Ring = RingBuf<u8, 4096>;

    #[btf_map]
    static RINGS: ArrayOfMaps<Ring, 1> = ArrayOfMaps::new();

    /// One CPU's scratch buffer, where a record is assembled before it is sent.
    #[repr(C)]
    pub struct Scratch {
        bytes: [u8; SCRATCH_LEN],
    }

    /// One scratch buffer per CPU; the loader sets `max_entries` to the CPU
    /// count. A plain array, because per-CPU array values are limited to 32 KiB.
    #[map]
    static SCRATCH: Array<Scratch> = Array::with_max_entries(1, 0);

    #[map]
    static INTERESTING_SYSCALLS: Array<u8> = Array::with_max_entries(SYSCALL_TABLE_SIZE, 0);

    #[map]
    static SYSCALL_MEMORY: Array<SyscallMemory> = Array::with_max_entries(SYSCALL_TABLE_SIZE, 0);

    #[map]
    static COUNTERS: PerCpuArray<Counters> = PerCpuArray::with_max_entries(1, 0);

    #[unsafe(no_mangle)]
    static EXEC_FILENAME_LOC_OFFSET: Global<u32> = Global::new(8);

    #[unsafe(no_mangle)]
    static EXEC_OLD_PID_OFFSET: Global<u32> = Global::new(16);

    #[unsafe(no_mangle)]
    static FORK_CHILD_PID_OFFSET: Global<u32> = Global::new(44);

    #[unsafe(no_mangle)]
    static SELF_TGID: Global<u32> = Global::new(0);

    // Offsets of `argv` and `envp` in the `syscalls:sys_enter_execve(at)`
    // records, set by the loader from tracefs (defaults: this layout on 6.x).
    #[unsafe(no_mangle)]
    static EXECVE_ARGV_OFFSET: Global<u32> = Global::new(24);

    #[unsafe(no_mangle)]
    static EXECVE_ENVP_OFFSET: Global<u32> = Global::new(32);

    #[unsafe(no_mangle)]
    static EXECVEAT_ARGV_OFFSET: Global<u32> = Global::new(32);

    #[unsafe(no_mangle)]
    static EXECVEAT_ENVP_OFFSET: Global<u32> = Global::new(40);

    /// Kernel struct member offsets, set by the loader from this kernel's BTF
    /// (see [`task_offset`]); all unknown until then.
    #[unsafe(no_mangle)]
    static TASK_OFFSETS: Global<[u32; task_offset::COUNT]> =
        Global::new([task_offset::UNKNOWN; task_offset::COUNT]);

    // Offsets in x86-64 `struct pt_regs` (UAPI, stable): orig_ax, then the
    // syscall argument registers di, si, dx, r10, r8, r9.
    const ORIG_AX: usize = 15 * 8;
    const ARG_REGS: [usize; 6] = [14 * 8, 13 * 8, 12 * 8, 7 * 8, 9 * 8, 8 * 8];

    fn counters() -> Option<*mut Counters> {
        COUNTERS.get_ptr_mut(0)
    }

    fn count_truncated() {
        if let Some(c) = counters() {
            // SAFETY: per-CPU slot, only this CPU writes it while we run.
            unsafe { (*c).truncated += 1 };
        }
    }

    /// `BPF_RB_NO_WAKEUP`: a wakeup per record would cost the traced
    /// program a context switch of the reader on every syscall; the reader
    /// polls the rings on a short interval instead.
    const NO_WAKEUP: u64 = 1;

    /// Sends `len` bytes of `data` to this CPU's ring, counting the attempt and any drop.
    ///
    /// # Safety
    /// `data` must point at the start of a scratch buffer.
    unsafe fn emit(cpu: u32, data: *mut u8, len: usize, kind: RecordKind) {
        let sent = match RINGS.get(cpu) {
            Some(ring) => {
                let ring = core::ptr::from_ref(ring).cast_mut().cast::<c_void>();
                // SAFETY: `data` is a scratch buffer of SCRATCH_LEN bytes and the length is masked to it.
                unsafe {
                    bpf_ringbuf_output(ring, data.cast(), (len & OUTPUT_MASK) as u64, NO_WAKEUP)
                        == 0
                }
            }
            None => false,
        };
        if let Some(c) = counters() {
            // SAFETY: per-CPU slot, only this CPU writes it while we run.
            unsafe {
                (*c).events += 1;
                if !sent {
                    (*c).drops += 1;
                    let k = kind as usize;
                    if k < RECORD_KINDS {
                        (*c).drops_by_kind[k] += 1;
                    }
                }
            }
        }
    }

    fn header(kind: RecordKind, cpu: u32) -> RecordHeader {
        let pid_tgid = bpf_get_current_pid_tgid();
        let uid_gid = bpf_get_current_uid_gid();
        RecordHeader {
            // SAFETY: these helpers take no arguments and are allowed in tracing programs.
            boot_ns: unsafe { bpf_ktime_get_boot_ns() },
            cgroup_id: unsafe { bpf_get_current_cgroup_id() },
            kind: kind as u32,
            tgid: (pid_tgid >> 32) as u32,
            tid: pid_tgid as u32,
            uid: uid_gid as u32,
            gid: (uid_gid >> 32) as u32,
            cpu,
            comm: bpf_get_current_comm().unwrap_or([0; 16]),
        }
    }

    fn is_self() -> bool {
        let own = SELF_TGID.load();
        own != 0 && (bpf_get_current_pid_tgid() >> 32) as u32 == own
    }

    fn interested(table: &Array<u8>, syscall: u64) -> bool {
        syscall < u64::from(SYSCALL_TABLE_SIZE)
            && matches!(table.get(syscall as u32), Some(&flag) if flag != 0)
    }

    /// This CPU's id and scratch buffer.
    fn scratch() -> Option<(u32, *mut u8)> {
        // SAFETY: takes no arguments.
        let cpu = unsafe { bpf_get_smp_processor_id() };
        let buf = SCRATCH.get_ptr_mut(cpu)?;
        Some((cpu, buf.cast()))
    }

    /// Reads the six syscall argument registers.
    ///
    /// # Safety
    /// `regs` must be the tracepoint's `struct pt_regs *`.
    unsafe fn read_args(regs: *const u8) -> [u64; 6] {
        let mut args = [0u64; 6];
        let mut i = 0;
        while i < 6 {
            // SAFETY: the helper checks the read.
            args[i] =
                unsafe { bpf_probe_read_kernel(regs.add(ARG_REGS[i]) as *const u64) }.unwrap_or(0);
            i += 1;
        }
        args
    }

    #[raw_tracepoint(tracepoint = "sys_exit")]
    pub fn lanner_sys_exit(ctx: RawTracePointContext) -> i32 {
        // SAFETY: only called with the sys_exit tracepoint's arguments.
        unsafe { sys_exit(&ctx) };
        0
    }

    /// # Safety
    /// `ctx` must be the `sys_exit` raw tracepoint's context.
    unsafe fn sys_exit(ctx: &RawTracePointContext) -> Option<()> {
        let regs: *const u8 = ctx.arg(0);
        let ret: i64 = ctx.arg(1);
        // SAFETY: `regs` is the tracepoint's `struct pt_regs *`; the helper checks the read.
        let syscall = unsafe { bpf_probe_read_kernel(regs.add(ORIG_AX) as *const u64) }.ok()?;
        if !interested(&INTERESTING_SYSCALLS, syscall) {
            return None;
        }
        // A successful exec is reported by `sched_process_exec`, which still sees the file name.
        if (syscall == nr::EXECVE || syscall == nr::EXECVEAT) && ret == 0 {
            return None;
        }
        if is_self() {
            return None;
        }
        let (cpu, buf) = scratch()?;
        // SAFETY: as above.
        let args = unsafe { read_args(regs) };
        let rules = *SYSCALL_MEMORY.get(syscall as u32)?;
        let head = buf.cast::<SyscallExitHead>();
        // SAFETY: the scratch buffer is larger than the head and 8-aligned (a map value).
        unsafe {
            write_volatile(&raw mut (*head).memory_present, 0);
            write_volatile(&raw mut (*head).memory_lens, [0; 6]);
            store_cursor(buf, size_of::<SyscallExitHead>());
        }
        let mut i = 0;
        while i < 6 {
            // SAFETY: `buf` is this CPU's scratch buffer.
            unsafe { copy_arg(buf, &rules, i, &args, ret) };
            i += 1;
        }
        // SAFETY: as above.
        unsafe {
            (*head).header = header(RecordKind::SyscallExit, cpu);
            (*head).nr = syscall;
            (*head).ret = ret;
            (*head).args = args;
            emit(cpu, buf, load_cursor(buf), RecordKind::SyscallExit);
        }
        Some(())
    }

    /// Where the end of the record being built is kept, past anything a
    /// record or an overlong copy can reach.
    const CURSOR: usize = SCRATCH_LEN - 8;

    /// Reads the record's end offset back from the scratch buffer.
    ///
    /// Keeping it in map memory (read volatile, so LLVM cannot keep a copy in
    /// a register) makes the verifier see an unknown bounded number instead
    /// of one exact offset per path through the argument loop; otherwise the
    /// paths multiply and the program exceeds the verifier's budget.
    ///
    /// # Safety
    /// `buf` must be a scratch buffer of `SCRATCH_LEN` bytes.
    #[inline(always)]
    unsafe fn load_cursor(buf: *mut u8) -> usize {
        // SAFETY: CURSOR + 8 == SCRATCH_LEN, and map values are 8-aligned.
        unsafe { read_volatile(buf.add(CURSOR).cast::<u64>()) as usize }
    }

    /// # Safety
    /// As for [`load_cursor`].
    #[inline(always)]
    unsafe fn store_cursor(buf: *mut u8, pos: usize) {
        // SAFETY: as in `load_cursor`.
        unsafe { write_volatile(buf.add(CURSOR).cast::<u64>(), pos as u64) }
    }

    /// Copies the memory argument `i` points at to the record's end, following
    /// the syscall's rule for it, and records its length in the head.
    ///
    /// # Safety
    /// `buf` must be a scratch buffer of `SCRATCH_LEN` bytes holding a syscall-exit head.
    #[inline(always)]
    unsafe fn copy_arg(buf: *mut u8, rules: &SyscallMemory, i: usize, args: &[u64; 6], ret: i64) {
        // SAFETY: per this function's contract.
        if let Some(n) = unsafe { copy_arg_bytes(buf, rules, i, args, ret) } {
            let head = buf.cast::<SyscallExitHead>();
            // SAFETY: per this function's contract.
            unsafe {
                let present = read_volatile(&raw const (*head).memory_present);
                write_volatile(&raw mut (*head).memory_present, present | (1 << (i & 7)));
                if let Some(len) = (*head).memory_lens.get_mut(i) {
                    write_volatile(len, n as u16);
                }
                store_cursor(buf, load_cursor(buf) + n);
            }
        }
    }

    /// Copies the bytes for argument `i` to the record's end; returns how many,
    /// `None` when nothing was copied.
    ///
    /// # Safety
    /// `buf` must be a scratch buffer of `SCRATCH_LEN` bytes.
    #[inline(always)]
    unsafe fn copy_arg_bytes(
        buf: *mut u8,
        rules: &SyscallMemory,
        i: usize,
        args: &[u64; 6],
        ret: i64,
    ) -> Option<usize> {
        let rule = rules.args.get(i)?;
        let kind = CopyKind::from_raw(rule.kind)?;
        if kind == CopyKind::None {
            return None;
        }
        let src = *args.get(i)?;
        if src == 0 || (rule.flags & COPY_ON_SUCCESS != 0 && ret < 0) {
            return None;
        }
        let max = (rule.max_len as usize).min(MAX_COPY_LEN);
        let len = match kind {
            CopyKind::None => return None,
            CopyKind::String | CopyKind::Fixed => max,
            CopyKind::LengthInArg => (*args.get(rule.length_arg as usize)? as usize).min(max),
            CopyKind::LengthAtPointer => {
                let at = *args.get(rule.length_arg as usize)?;
                if at == 0 {
                    return None;
                }
                // SAFETY: the helper checks the read.
                let n = unsafe { bpf_probe_read_user(at as *const i32) }.ok()?;
                if n < 0 {
                    return None;
                }
                (n as usize).min(max)
            }
            CopyKind::ReturnValue => {
                if ret <= 0 {
                    return None;
                }
                (ret as usize).min(max)
            }
        };
        // SAFETY: per this function's contract.
        let pos = unsafe { load_cursor(buf) };
        // Room for the largest copy, or the record would outgrow its limit.
        if pos > RECORD_LIMIT - MAX_COPY_LEN {
            count_truncated();
            return None;
        }
        // SAFETY: offset < RECORD_LIMIT and length < 2 * MAX_COPY_LEN keep the
        // write inside the SCRATCH_LEN buffer.
        let dst = unsafe { buf.add(pos & OFFSET_MASK) }.cast::<c_void>();
        if kind == CopyKind::String {
            // One more byte than the text for the NUL the helper always writes.
            let size = ((len + 1) & COPY_MASK) as u32;
            // SAFETY: as above; the helper checks the user read.
            let n = unsafe { bpf_probe_read_user_str(dst, size, src as *const c_void) };
            if n <= 0 {
                return None;
            }
            Some((n as usize - 1) & COPY_MASK)
        } else {
            let len = len & COPY_MASK;
            // SAFETY: as above; the helper checks the user read.
            let rc = unsafe { raw_read_user(dst, len as u32, src as *const c_void) };
            if rc != 0 {
                return None;
            }
            Some(len)
        }
    }

    #[tracepoint(category = "syscalls", name = "sys_enter_execve")]
    pub fn lanner_enter_execve(ctx: TracePointContext) -> u32 {
        // SAFETY: the offsets come from this kernel's tracefs format for the record.
        unsafe { exec_args(&ctx, EXECVE_ARGV_OFFSET.load(), EXECVE_ENVP_OFFSET.load()) };
        0
    }

    #[tracepoint(category = "syscalls", name = "sys_enter_execveat")]
    pub fn lanner_enter_execveat(ctx: TracePointContext) -> u32 {
        // SAFETY: the offsets come from this kernel's tracefs format for the record.
        unsafe {
            exec_args(
                &ctx,
                EXECVEAT_ARGV_OFFSET.load(),
                EXECVEAT_ENVP_OFFSET.load(),
            )
        };
        0
    }

    /// Reports the argv and envp an exec was called with.
    ///
    /// # Safety
    /// `argv_at` and `envp_at` must be the offsets of those pointers in `ctx`'s record.
    unsafe fn exec_args(ctx: &TracePointContext, argv_at: u32, envp_at: u32) -> Option<()> {
        if is_self() {
            return None;
        }
        // SAFETY: offsets inside the tracepoint record, checked by the helper.
        let argv: u64 = unsafe { ctx.read_at(argv_at as usize) }.ok()?;
        // SAFETY: as above.
        let envp: u64 = unsafe { ctx.read_at(envp_at as usize) }.ok()?;
        let (cpu, buf) = scratch()?;
        let start = size_of::<ExecArgsHead>();
        // SAFETY: `buf` is this CPU's scratch buffer.
        let (argc, argv_len) = unsafe { copy_strings(buf, start, argv) };
        // SAFETY: as above.
        let (envc, env_len) = unsafe { copy_strings(buf, start + argv_len, envp) };
        let head = buf.cast::<ExecArgsHead>();
        // SAFETY: the scratch buffer is larger than the head and 8-aligned.
        unsafe {
            (*head).header = header(RecordKind::ExecArgs, cpu);
            (*head).argc = argc;
            (*head).envc = envc;
            (*head).argv_len = argv_len as u32;
            (*head).env_len = env_len as u32;
            emit(cpu, buf, start + argv_len + env_len, RecordKind::ExecArgs);
        }
        Some(())
    }

    /// Copies the strings of a NULL-terminated user pointer array to
    /// `buf + start`, each with its NUL, within the exec bounds. Returns the
    /// number of strings and bytes copied.
    ///
    /// # Safety
    /// `buf` must be a scratch buffer of `SCRATCH_LEN` bytes, `start` at most
    /// `RECORD_LIMIT - 2 * MAX_EXEC_TEXT`.
    #[inline(always)]
    unsafe fn copy_strings(buf: *mut u8, start: usize, array: u64) -> (u32, usize) {
        let mut used = 0usize;
        let mut count = 0u32;
        if array == 0 {
            return (0, 0);
        }
        let mut i = 0u32;
        while i < MAX_EXEC_POINTERS {
            let slot = array + u64::from(i) * 8;
            // SAFETY: the helper checks the read.
            let Ok(ptr) = (unsafe { bpf_probe_read_user(slot as *const u64) }) else {
                break;
            };
            if ptr == 0 || used >= MAX_EXEC_TEXT {
                break;
            }
            let room = MAX_EXEC_TEXT - used;
            // SAFETY: masked offset and length keep the write inside the buffer.
            let dst = unsafe { buf.add((start + used) & OFFSET_MASK) }.cast::<c_void>();
            // SAFETY: as above; the helper checks the user read.
            let n = unsafe {
                bpf_probe_read_user_str(dst, (room & COPY_MASK) as u32, ptr as *const c_void)
            };
            if n <= 0 {
                break;
            }
            used += (n as usize) & COPY_MASK;
            count += 1;
            i += 1;
        }
        (count, used.min(MAX_EXEC_TEXT))
    }

    #[tracepoint(category = "sched", name = "sched_process_exec")]
    pub fn lanner_sched_process_exec(ctx: TracePointContext) -> u32 {
        // SAFETY: only called with the sched_process_exec tracepoint's record.
        unsafe { sched_process_exec(&ctx) };
        0
    }

    /// # Safety
    /// `ctx` must be the `sched_process_exec` tracepoint's context.
    unsafe fn sched_process_exec(ctx: &TracePointContext) -> Option<()> {
        if is_self() {
            return None;
        }
        // SAFETY: the offsets come from this kernel's tracefs format for the record.
        let data_loc =
            unsafe { ctx.read_at::<u32>(EXEC_FILENAME_LOC_OFFSET.load() as usize) }.ok()?;
        // A `__data_loc` word holds the string's offset in its low 16 bits.
        let string_offset = (data_loc & 0xffff) as usize;
        // SAFETY: as above.
        let old_tid =
            unsafe { ctx.read_at::<u32>(EXEC_OLD_PID_OFFSET.load() as usize) }.unwrap_or(0);
        let (cpu, buf) = scratch()?;
        let start = size_of::<ExecHead>();
        // SAFETY: `start` is a small constant, the size fits the scratch buffer,
        // and the helper checks the kernel read.
        let n = unsafe {
            let src = (ctx.as_ptr() as *const u8).add(string_offset);
            bpf_probe_read_kernel_str(buf.add(start).cast(), (MAX_COPY_LEN + 1) as u32, src.cast())
        };
        let filename_len = if n > 0 {
            (n as usize - 1) & COPY_MASK
        } else {
            0
        };
        let offsets = TASK_OFFSETS.load();
        // SAFETY: the current task is valid while its tracepoint runs, and
        // every read through it is checked by the helper.
        let (tty, loginuid) = unsafe {
            let task = bpf_get_current_task() as *const u8;
            (terminal_of(task, &offsets), login_uid_of(task, &offsets))
        };
        let head = buf.cast::<ExecHead>();
        // SAFETY: the scratch buffer is larger than the head and 8-aligned.
        unsafe {
            (*head).header = header(RecordKind::Exec, cpu);
            (*head).old_tid = old_tid;
            (*head).filename_len = filename_len as u32;
            (*head).tty = tty.unwrap_or(0);
            (*head).loginuid = loginuid.unwrap_or(0);
            (*head).known =
                tty.map_or(0, |_| exec_known::TTY) | loginuid.map_or(0, |_| exec_known::LOGINUID);
            (*head).reserved = 0;
            emit(cpu, buf, start + filename_len, RecordKind::Exec);
        }
        Some(())
    }

    /// Reads the kernel value at `base + offset`, unless the offset is unknown.
    ///
    /// # Safety
    /// `base` must be a kernel address (the helper checks the read itself).
    unsafe fn read_member<T>(base: *const u8, offset: u32) -> Option<T> {
        if offset == task_offset::UNKNOWN || base.is_null() {
            return None;
        }
        // SAFETY: the helper checks the read.
        unsafe { bpf_probe_read_kernel(base.add(offset as usize).cast::<T>()) }.ok()
    }

    /// The task's controlling terminal encoded as `/proc/PID/stat`'s `tty_nr`
    /// (the device number in the kernel's "new" encoding), 0 without one;
    /// `None` when this kernel's layout is unknown or a read failed.
    ///
    /// # Safety
    /// `task` must be the current `struct task_struct *`.
    unsafe fn terminal_of(task: *const u8, offsets: &[u32; task_offset::COUNT]) -> Option<u32> {
        // SAFETY: each pointer comes from the kernel structure before it.
        unsafe {
            let signal: *const u8 = read_member(task, offsets[task_offset::TASK_SIGNAL])?;
            let tty: *const u8 = read_member(signal, offsets[task_offset::SIGNAL_TTY])?;
            if tty.is_null() {
                return Some(0);
            }
            let index: i32 = read_member(tty, offsets[task_offset::TTY_INDEX])?;
            let driver: *const u8 = read_member(tty, offsets[task_offset::TTY_DRIVER])?;
            let major: i32 = read_member(driver, offsets[task_offset::DRIVER_MAJOR])?;
            let minor_start: i32 = read_member(driver, offsets[task_offset::DRIVER_MINOR_START])?;
            let minor = (minor_start as u32).wrapping_add(index as u32);
            let major = major as u32;
            Some((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12))
        }
    }

    /// The task's audit login uid, `None` when this kernel has none (no
    /// `CONFIG_AUDIT`) or the read failed.
    ///
    /// # Safety
    /// `task` must be the current `struct task_struct *`.
    unsafe fn login_uid_of(task: *const u8, offsets: &[u32; task_offset::COUNT]) -> Option<u32> {
        // SAFETY: as above.
        unsafe { read_member(task, offsets[task_offset::TASK_LOGINUID]) }
    }

    #[tracepoint(category = "sched", name = "sched_process_fork")]
    pub fn lanner_sched_process_fork(ctx: TracePointContext) -> u32 {
        if is_self() {
            return 0;
        }
        // SAFETY: the offset comes from this kernel's tracefs format for the record.
        let child =
            unsafe { ctx.read_at::<u32>(FORK_CHILD_PID_OFFSET.load() as usize) }.unwrap_or(0);
        if let Some((cpu, buf)) = scratch() {
            let record = buf.cast::<Fork>();
            // SAFETY: the scratch buffer is larger than the record and 8-aligned.
            unsafe {
                (*record).header = header(RecordKind::Fork, cpu);
                (*record).child_tid = child;
                (*record).reserved = 0;
                emit(cpu, buf, size_of::<Fork>(), RecordKind::Fork);
            }
        }
        0
    }

    #[tracepoint(category = "sched", name = "sched_process_exit")]
    pub fn lanner_sched_process_exit(_ctx: TracePointContext) -> u32 {
        if is_self() {
            return 0;
        }
        if let Some((cpu, buf)) = scratch() {
            let record = buf.cast::<RecordHeader>();
            // SAFETY: the scratch buffer is larger than the header and 8-aligned.
            unsafe {
                *record = header(RecordKind::Exit, cpu);
                emit(cpu, buf, size_of::<RecordHeader>(), RecordKind::Exit);
            }
        }
        0
    }

    const _: () = assert!(RECORD_LIMIT >= size_of::<ExecArgsHead>() + 2 * MAX_EXEC_TEXT);
    const _: () = assert!(SCRATCH_LEN.is_power_of_two());

    #[cfg(not(test))]
    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo) -> ! {
        loop {}
    }
}

/// The probe only exists for the BPF target; on other targets this binary is empty.
#[cfg(not(target_arch = "bpf"))]
fn main() {}
