//! One ring buffer per possible CPU: creating them, handing them to the probe
//! through its array of rings, and waiting on all of them at once.
//!
//! Per-CPU rings keep producers on different CPUs from contending for one
//! ring's lock, and let one busy CPU fill only its own ring.

use super::{ProbeError, map_error};
use aya::maps::{Map, MapData, RingBuf, of_maps::ArrayOfMaps};
use aya_obj::generated::bpf_map_type::BPF_MAP_TYPE_RINGBUF;
use lanner_syscall_ebpf::wire::RINGS_MAP;
use std::{os::fd::AsRawFd, time::Duration};

/// Checks a per-CPU ring size: the kernel wants a power of two that is a
/// multiple of the page size.
pub fn validate_size(bytes: u32) -> Result<(), ProbeError> {
    let page = page_size();
    if !bytes.is_power_of_two() || (bytes as usize) < page || !(bytes as usize).is_multiple_of(page)
    {
        return Err(ProbeError::RingSize { bytes, page });
    }
    Ok(())
}

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

/// Creates `cpus` rings of `bytes` each and stores ring `i` at index `i` of
/// the probe's array of rings, so the probe on CPU `i` writes into it.
pub fn create(outer: &mut Map, cpus: u32, bytes: u32) -> Result<Vec<RingBuf<MapData>>, ProbeError> {
    let mut array: ArrayOfMaps<&mut MapData, MapData> =
        ArrayOfMaps::try_from(outer).map_err(map_error(RINGS_MAP))?;
    let mut rings = Vec::with_capacity(cpus as usize);
    for cpu in 0..cpus {
        let definition = aya_obj::Map::new_from_params(BPF_MAP_TYPE_RINGBUF as u32, 0, 0, bytes, 0);
        let data =
            MapData::create(definition, "lanner_ring", None).map_err(map_error("lanner_ring"))?;
        array.set(cpu, &data, 0).map_err(map_error(RINGS_MAP))?;
        let ring = RingBuf::try_from(Map::RingBuf(data)).map_err(map_error("lanner_ring"))?;
        rings.push(ring);
    }
    Ok(rings)
}

/// One `pollfd` per ring, for [`wait`]: built once, as the rings' descriptors
/// stay the same while they live.
pub fn poll_fds(rings: &[RingBuf<MapData>]) -> Vec<libc::pollfd> {
    rings
        .iter()
        .map(|ring| libc::pollfd {
            fd: ring.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect()
}

/// Waits until any ring of `fds` (from [`poll_fds`]) has data or `timeout`
/// passes (interrupted waits count as passed).
pub fn wait(fds: &mut [libc::pollfd], timeout: Duration) -> Result<(), ProbeError> {
    let millis = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: `fds` is a valid array of pollfd for the duration of the call.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, millis) };
    if rc < 0 {
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(ProbeError::Poll(err));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_sizes_must_be_page_multiples_and_powers_of_two() {
        let page = page_size() as u32;
        assert!(validate_size(page).is_ok());
        assert!(validate_size(8 << 20).is_ok());
        assert!(validate_size(0).is_err());
        assert!(validate_size(page / 2).is_err());
        assert!(validate_size(3 * page).is_err());
    }
}
