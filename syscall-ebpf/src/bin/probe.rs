//! Lanner's kernel probe.
//!
//! Two programs feed one ring buffer:
//! - `sys_exit` (raw tracepoint) reports every syscall whose number is marked
//!   in the interest table; syscalls nobody asked for cost one array lookup;
//! - `sched_process_exec` (tracepoint) reports successful execs with the file
//!   name the kernel resolved, because after a successful execve the caller's
//!   memory (and so its argument pointers) is gone by the time `sys_exit` runs.
//!
//! No kernel struct offsets are compiled in: `pt_regs` is UAPI, and the exec
//! record's field offsets come from tracefs through a loader-set global.
#![cfg_attr(target_arch = "bpf", no_std)]
#![cfg_attr(target_arch = "bpf", no_main)]

#[cfg(target_arch = "bpf")]
mod probe {
    use aya_ebpf::{
        EbpfContext, Global,
        helpers::{
            bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid,
            bpf_ktime_get_boot_ns, bpf_probe_read_kernel, bpf_probe_read_kernel_str_bytes,
            bpf_probe_read_user_str_bytes,
        },
        macros::{map, raw_tracepoint, tracepoint},
        maps::{Array, PerCpuArray, RingBuf},
        programs::{RawTracePointContext, TracePointContext},
    };
    use lanner_syscall_ebpf::wire::{
        Counters, Exec, MAX_PATH_LEN, RecordHeader, RecordKind, SYSCALL_TABLE_SIZE, SyscallExit, nr,
    };

    /// Ring buffer size; the loader may resize it before load.
    const RING_BYTES: u32 = 8 << 20;

    #[map]
    static EVENTS: RingBuf = RingBuf::with_byte_size(RING_BYTES, 0);

    #[map]
    static INTERESTING_SYSCALLS: Array<u8> = Array::with_max_entries(SYSCALL_TABLE_SIZE, 0);

    #[map]
    static COUNTERS: PerCpuArray<Counters> = PerCpuArray::with_max_entries(1, 0);

    #[unsafe(no_mangle)]
    static EXEC_FILENAME_LOC_OFFSET: Global<u32> = Global::new(8);

    #[unsafe(no_mangle)]
    static EXEC_OLD_PID_OFFSET: Global<u32> = Global::new(16);

    #[unsafe(no_mangle)]
    static SELF_TGID: Global<u32> = Global::new(0);

    // Offsets in x86-64 `struct pt_regs` (UAPI, stable): orig_ax, then the
    // syscall argument registers di, si, dx, r10, r8, r9.
    const ORIG_AX: usize = 15 * 8;
    const ARG_REGS: [usize; 6] = [14 * 8, 13 * 8, 12 * 8, 7 * 8, 9 * 8, 8 * 8];

    fn count(dropped: bool) {
        if let Some(counters) = COUNTERS.get_ptr_mut(0) {
            // SAFETY: per-CPU slot, only this CPU writes it while we run.
            unsafe {
                (*counters).events += 1;
                if dropped {
                    (*counters).drops += 1;
                }
            }
        }
    }

    fn header(kind: RecordKind) -> RecordHeader {
        let pid_tgid = bpf_get_current_pid_tgid();
        let uid_gid = bpf_get_current_uid_gid();
        RecordHeader {
            boot_ns: unsafe { bpf_ktime_get_boot_ns() },
            kind: kind as u32,
            tgid: (pid_tgid >> 32) as u32,
            tid: pid_tgid as u32,
            uid: uid_gid as u32,
            gid: (uid_gid >> 32) as u32,
            reserved: 0,
            comm: bpf_get_current_comm().unwrap_or([0; 16]),
        }
    }

    fn is_self() -> bool {
        let own = SELF_TGID.load();
        own != 0 && (bpf_get_current_pid_tgid() >> 32) as u32 == own
    }

    #[raw_tracepoint(tracepoint = "sys_exit")]
    pub fn lanner_sys_exit(ctx: RawTracePointContext) -> i32 {
        let regs: *const u8 = ctx.arg(0);
        let ret: i64 = ctx.arg(1);
        // SAFETY: `regs` is the tracepoint's `struct pt_regs *`; reads are checked by the helper.
        let Ok(syscall) = (unsafe { bpf_probe_read_kernel(regs.add(ORIG_AX) as *const u64) })
        else {
            return 0;
        };
        if syscall >= SYSCALL_TABLE_SIZE as u64 {
            return 0;
        }
        match INTERESTING_SYSCALLS.get(syscall as u32) {
            Some(&flag) if flag != 0 => {}
            _ => return 0,
        }
        // A successful exec is reported by `sched_process_exec`, which still sees the file name.
        if (syscall == nr::EXECVE || syscall == nr::EXECVEAT) && ret == 0 {
            return 0;
        }
        if is_self() {
            return 0;
        }
        let Some(mut entry) = EVENTS.reserve::<SyscallExit>(0) else {
            count(true);
            return 0;
        };
        count(false);
        let record = entry.as_mut_ptr();
        // SAFETY: `record` points at reserved ring memory sized for a `SyscallExit`.
        unsafe {
            (*record).header = header(RecordKind::SyscallExit);
            (*record).nr = syscall;
            (*record).ret = ret;
            let mut i = 0;
            while i < 6 {
                (*record).args[i] =
                    bpf_probe_read_kernel(regs.add(ARG_REGS[i]) as *const u64).unwrap_or(0);
                i += 1;
            }
            (*record).reserved = 0;
            let path_arg = match syscall {
                nr::EXECVE => Some((*record).args[0]),
                nr::EXECVEAT => Some((*record).args[1]),
                _ => None,
            };
            (*record).path_len = 0;
            (*record).path[0] = 0;
            if let Some(ptr) = path_arg
                && let Ok(bytes) =
                    bpf_probe_read_user_str_bytes(ptr as *const u8, &mut (*record).path)
            {
                (*record).path_len = bytes.len() as u32;
            }
        }
        entry.submit(0);
        0
    }

    #[tracepoint(category = "sched", name = "sched_process_exec")]
    pub fn lanner_sched_process_exec(ctx: TracePointContext) -> u32 {
        if is_self() {
            return 0;
        }
        let loc_offset = EXEC_FILENAME_LOC_OFFSET.load() as usize;
        // SAFETY: the offset comes from this kernel's tracefs format for the record.
        let Ok(data_loc) = (unsafe { ctx.read_at::<u32>(loc_offset) }) else {
            return 0;
        };
        // A `__data_loc` word holds the string's offset in its low 16 bits.
        let string_offset = (data_loc & 0xffff) as usize;
        // SAFETY: the offset comes from this kernel's tracefs format for the record.
        let old_tid =
            unsafe { ctx.read_at::<u32>(EXEC_OLD_PID_OFFSET.load() as usize) }.unwrap_or(0);
        let Some(mut entry) = EVENTS.reserve::<Exec>(0) else {
            count(true);
            return 0;
        };
        count(false);
        let record = entry.as_mut_ptr();
        // SAFETY: `record` points at reserved ring memory sized for an `Exec`.
        unsafe {
            (*record).header = header(RecordKind::Exec);
            (*record).old_tid = old_tid;
            (*record).filename_len = 0;
            (*record).filename[0] = 0;
            let src = (ctx.as_ptr() as *const u8).add(string_offset);
            if let Ok(bytes) = bpf_probe_read_kernel_str_bytes(src, &mut (*record).filename) {
                (*record).filename_len = bytes.len() as u32;
            }
        }
        entry.submit(0);
        0
    }

    const _: () = assert!(MAX_PATH_LEN.is_power_of_two());

    #[cfg(not(test))]
    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo) -> ! {
        loop {}
    }
}

/// The probe only exists for the BPF target; on other targets this binary is empty.
#[cfg(not(target_arch = "bpf"))]
fn main() {}
